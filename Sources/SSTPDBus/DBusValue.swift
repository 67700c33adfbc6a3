/// A D-Bus value with its type (D-Bus specification, "Type System").
/// Containers carry their element signatures so that empty arrays and
/// dictionaries still marshal with the right type.
public indirect enum DBusValue: Hashable, Sendable, CustomStringConvertible {
    case byte(UInt8)
    case boolean(Bool)
    case int16(Int16)
    case uint16(UInt16)
    case int32(Int32)
    case uint32(UInt32)
    case int64(Int64)
    case uint64(UInt64)
    case double(Double)
    case string(String)
    case objectPath(String)
    case signature(String)
    /// An array of values that all have `elementSignature`.
    case array(elementSignature: String, [DBusValue])
    /// a{KV}: entries in order; keys are basic types.
    case dictionary(keySignature: String, valueSignature: String, [DictionaryEntry])
    case structure([DBusValue])
    case variant(DBusValue)

    public struct DictionaryEntry: Hashable, Sendable {
        public var key: DBusValue
        public var value: DBusValue

        public init(_ key: DBusValue, _ value: DBusValue) {
            self.key = key
            self.value = value
        }
    }

    /// The value's complete type signature.
    public var signature: String {
        switch self {
        case .byte: "y"
        case .boolean: "b"
        case .int16: "n"
        case .uint16: "q"
        case .int32: "i"
        case .uint32: "u"
        case .int64: "x"
        case .uint64: "t"
        case .double: "d"
        case .string: "s"
        case .objectPath: "o"
        case .signature: "g"
        case .array(let element, _): "a" + element
        case .dictionary(let k, let v, _): "a{" + k + v + "}"
        case .structure(let members): "(" + members.map(\.signature).joined() + ")"
        case .variant: "v"
        }
    }

    public var description: String {
        switch self {
        case .byte(let v): "byte \(v)"
        case .boolean(let v): "\(v)"
        case .int16(let v): "int16 \(v)"
        case .uint16(let v): "uint16 \(v)"
        case .int32(let v): "int32 \(v)"
        case .uint32(let v): "uint32 \(v)"
        case .int64(let v): "int64 \(v)"
        case .uint64(let v): "uint64 \(v)"
        case .double(let v): "double \(v)"
        case .string(let v): "\"\(v)\""
        case .objectPath(let v): "objpath \(v)"
        case .signature(let v): "signature \(v)"
        case .array(_, let items): "[" + items.map(\.description).joined(separator: ", ") + "]"
        case .dictionary(_, _, let entries):
            "{" + entries.map { "\($0.key): \($0.value)" }.joined(separator: ", ") + "}"
        case .structure(let members): "(" + members.map(\.description).joined(separator: ", ") + ")"
        case .variant(let v): "<\(v)>"
        }
    }

    // MARK: Convenience constructors for common shapes

    /// a{sv} from a Swift dictionary, keys sorted for stable output.
    public static func vardict(_ entries: [String: DBusValue]) -> DBusValue {
        .dictionary(
            keySignature: "s", valueSignature: "v",
            entries.keys.sorted().map { DictionaryEntry(.string($0), .variant(entries[$0] ?? .string(""))) })
    }

    /// a{ss}.
    public static func stringDict(_ entries: [String: String]) -> DBusValue {
        .dictionary(
            keySignature: "s", valueSignature: "s",
            entries.keys.sorted().map { DictionaryEntry(.string($0), .string(entries[$0] ?? "")) })
    }

    /// as.
    public static func strings(_ items: [String]) -> DBusValue {
        .array(elementSignature: "s", items.map { .string($0) })
    }

    /// ay.
    public static func bytes(_ items: [UInt8]) -> DBusValue {
        .array(elementSignature: "y", items.map { .byte($0) })
    }

    // MARK: Typed accessors (nil when the type differs)

    public var stringValue: String? {
        switch self {
        case .string(let s), .objectPath(let s), .signature(let s): s
        case .variant(let v): v.stringValue
        default: nil
        }
    }

    public var boolValue: Bool? {
        if case .boolean(let b) = self { return b }
        if case .variant(let v) = self { return v.boolValue }
        return nil
    }

    public var uint32Value: UInt32? {
        switch self {
        case .uint32(let v): v
        case .uint16(let v): UInt32(v)
        case .byte(let v): UInt32(v)
        case .int32(let v) where v >= 0: UInt32(v)
        case .variant(let v): v.uint32Value
        default: nil
        }
    }

    public var uint64Value: UInt64? {
        switch self {
        case .uint64(let v): v
        case .variant(let v): v.uint64Value
        default: uint32Value.map(UInt64.init)
        }
    }

    /// The elements of an array, or nil.
    public var arrayValue: [DBusValue]? {
        switch self {
        case .array(_, let items): items
        case .variant(let v): v.arrayValue
        default: nil
        }
    }

    /// a{sX} as a Swift dictionary, or nil.
    public var stringKeyedDictionary: [String: DBusValue]? {
        switch self {
        case .dictionary(_, _, let entries):
            var out: [String: DBusValue] = [:]
            for e in entries {
                guard let k = e.key.stringValue else { return nil }
                out[k] = e.value
            }
            return out
        case .variant(let v):
            return v.stringKeyedDictionary
        default:
            return nil
        }
    }

    /// The value inside a variant (or the value itself).
    public var unwrapped: DBusValue {
        if case .variant(let v) = self { return v.unwrapped }
        return self
    }
}
