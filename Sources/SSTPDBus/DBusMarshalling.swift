import CDBus

/// Why a received message's arguments could not be read.
public struct DBusMarshalError: Error, Hashable, Sendable, CustomStringConvertible {
    public var description: String
}

/// Writes DBusValues into a message with libdbus's iterators.
enum DBusWriter {
    static func append(_ values: [DBusValue], to message: OpaquePointer) throws(DBusMarshalError) {
        var iter = DBusMessageIter()
        dbus_message_iter_init_append(message, &iter)
        for value in values { try append(value, to: &iter) }
    }

    static func append(_ value: DBusValue, to iter: inout DBusMessageIter) throws(DBusMarshalError) {
        var basic = csstp_dbus_basic()
        switch value {
        case .byte(let v):
            basic.byt = v
            try appendBasic(&iter, CSSTP_DBUS_TYPE_BYTE, &basic)
        case .boolean(let v):
            basic.bool_val = v ? 1 : 0
            try appendBasic(&iter, CSSTP_DBUS_TYPE_BOOLEAN, &basic)
        case .int16(let v):
            basic.i16 = v
            try appendBasic(&iter, CSSTP_DBUS_TYPE_INT16, &basic)
        case .uint16(let v):
            basic.u16 = v
            try appendBasic(&iter, CSSTP_DBUS_TYPE_UINT16, &basic)
        case .int32(let v):
            basic.i32 = v
            try appendBasic(&iter, CSSTP_DBUS_TYPE_INT32, &basic)
        case .uint32(let v):
            basic.u32 = v
            try appendBasic(&iter, CSSTP_DBUS_TYPE_UINT32, &basic)
        case .int64(let v):
            basic.i64 = dbus_int64_t(v)
            try appendBasic(&iter, CSSTP_DBUS_TYPE_INT64, &basic)
        case .uint64(let v):
            basic.u64 = dbus_uint64_t(v)
            try appendBasic(&iter, CSSTP_DBUS_TYPE_UINT64, &basic)
        case .double(let v):
            basic.dbl = v
            try appendBasic(&iter, CSSTP_DBUS_TYPE_DOUBLE, &basic)
        case .string(let s), .objectPath(let s), .signature(let s):
            let type: Int32 =
                switch value {
                case .objectPath: CSSTP_DBUS_TYPE_OBJECT_PATH
                case .signature: CSSTP_DBUS_TYPE_SIGNATURE
                default: CSSTP_DBUS_TYPE_STRING
                }
            try validate(s, type: type)
            let appended = s.withCString { p in
                basic.str = p
                return dbus_message_iter_append_basic(&iter, type, &basic) != 0
            }
            guard appended else { throw DBusMarshalError(description: "out of memory appending a string") }
        case .array(let element, let items):
            try container(&iter, CSSTP_DBUS_TYPE_ARRAY, element) { (sub) throws(DBusMarshalError) in
                for item in items {
                    guard item.signature == element else {
                        throw DBusMarshalError(description: "array of \(element) holds a \(item.signature)")
                    }
                    try append(item, to: &sub)
                }
            }
        case .dictionary(let k, let v, let entries):
            try container(&iter, CSSTP_DBUS_TYPE_ARRAY, "{" + k + v + "}") { (sub) throws(DBusMarshalError) in
                for entry in entries {
                    try container(&sub, CSSTP_DBUS_TYPE_DICT_ENTRY, nil) { (pair) throws(DBusMarshalError) in
                        try append(entry.key, to: &pair)
                        try append(entry.value, to: &pair)
                    }
                }
            }
        case .structure(let members):
            try container(&iter, CSSTP_DBUS_TYPE_STRUCT, nil) { (sub) throws(DBusMarshalError) in
                for m in members { try append(m, to: &sub) }
            }
        case .variant(let inner):
            try container(&iter, CSSTP_DBUS_TYPE_VARIANT, inner.signature) { (sub) throws(DBusMarshalError) in
                try append(inner, to: &sub)
            }
        }
    }

    private static func appendBasic(_ iter: inout DBusMessageIter, _ type: Int32, _ basic: inout csstp_dbus_basic)
        throws(DBusMarshalError)
    {
        guard dbus_message_iter_append_basic(&iter, type, &basic) != 0 else {
            throw DBusMarshalError(description: "out of memory appending a value")
        }
    }

    private static func container(
        _ iter: inout DBusMessageIter, _ type: Int32, _ signature: String?,
        _ body: (inout DBusMessageIter) throws(DBusMarshalError) -> Void
    ) throws(DBusMarshalError) {
        var sub = DBusMessageIter()
        let opened: dbus_bool_t
        if let signature {
            // A dict entry's "{kv}" is only valid inside an array.
            let checked = signature.hasPrefix("{") ? "a" + signature : signature
            guard dbus_signature_validate_single(checked, nil) != 0 else {
                throw DBusMarshalError(description: "\"\(signature)\" is not a single complete type")
            }
            opened = signature.withCString { dbus_message_iter_open_container(&iter, type, $0, &sub) }
        } else {
            opened = dbus_message_iter_open_container(&iter, type, nil, &sub)
        }
        guard opened != 0 else { throw DBusMarshalError(description: "out of memory opening a container") }
        do {
            try body(&sub)
        } catch {
            dbus_message_iter_abandon_container(&iter, &sub)
            throw error
        }
        guard dbus_message_iter_close_container(&iter, &sub) != 0 else {
            throw DBusMarshalError(description: "out of memory closing a container")
        }
    }

    /// libdbus aborts the process on invalid strings; check first.
    private static func validate(_ s: String, type: Int32) throws(DBusMarshalError) {
        switch type {
        case CSSTP_DBUS_TYPE_OBJECT_PATH:
            guard dbus_validate_path(s, nil) != 0 else {
                throw DBusMarshalError(description: "\"\(s)\" is not a valid object path")
            }
        case CSSTP_DBUS_TYPE_SIGNATURE:
            guard dbus_signature_validate(s, nil) != 0 else {
                throw DBusMarshalError(description: "\"\(s)\" is not a valid signature")
            }
        default:
            guard dbus_validate_utf8(s, nil) != 0, !s.utf8.contains(0) else {
                throw DBusMarshalError(description: "a string is not valid UTF-8 or holds NUL")
            }
        }
    }
}

/// Reads the arguments of a received message into DBusValues.
enum DBusReader {
    static func read(_ message: OpaquePointer) throws(DBusMarshalError) -> [DBusValue] {
        var iter = DBusMessageIter()
        guard dbus_message_iter_init(message, &iter) != 0 else { return [] }
        var out: [DBusValue] = []
        repeat {
            out.append(try read(&iter, depth: 0))
        } while dbus_message_iter_next(&iter) != 0
        return out
    }

    static func read(_ iter: inout DBusMessageIter, depth: Int) throws(DBusMarshalError) -> DBusValue {
        // The D-Bus specification limits nesting to 64 levels.
        guard depth < 64 else { throw DBusMarshalError(description: "values nested too deeply") }
        let type = dbus_message_iter_get_arg_type(&iter)
        var basic = csstp_dbus_basic()
        switch type {
        case CSSTP_DBUS_TYPE_BYTE:
            dbus_message_iter_get_basic(&iter, &basic)
            return .byte(basic.byt)
        case CSSTP_DBUS_TYPE_BOOLEAN:
            dbus_message_iter_get_basic(&iter, &basic)
            return .boolean(basic.bool_val != 0)
        case CSSTP_DBUS_TYPE_INT16:
            dbus_message_iter_get_basic(&iter, &basic)
            return .int16(basic.i16)
        case CSSTP_DBUS_TYPE_UINT16:
            dbus_message_iter_get_basic(&iter, &basic)
            return .uint16(basic.u16)
        case CSSTP_DBUS_TYPE_INT32:
            dbus_message_iter_get_basic(&iter, &basic)
            return .int32(basic.i32)
        case CSSTP_DBUS_TYPE_UINT32:
            dbus_message_iter_get_basic(&iter, &basic)
            return .uint32(basic.u32)
        case CSSTP_DBUS_TYPE_INT64:
            dbus_message_iter_get_basic(&iter, &basic)
            return .int64(Int64(basic.i64))
        case CSSTP_DBUS_TYPE_UINT64:
            dbus_message_iter_get_basic(&iter, &basic)
            return .uint64(UInt64(basic.u64))
        case CSSTP_DBUS_TYPE_DOUBLE:
            dbus_message_iter_get_basic(&iter, &basic)
            return .double(basic.dbl)
        case CSSTP_DBUS_TYPE_STRING, CSSTP_DBUS_TYPE_OBJECT_PATH, CSSTP_DBUS_TYPE_SIGNATURE:
            dbus_message_iter_get_basic(&iter, &basic)
            let s = basic.str.map { String(cString: $0) } ?? ""
            return type == CSSTP_DBUS_TYPE_STRING
                ? .string(s) : type == CSSTP_DBUS_TYPE_OBJECT_PATH ? .objectPath(s) : .signature(s)
        case CSSTP_DBUS_TYPE_VARIANT:
            var sub = DBusMessageIter()
            dbus_message_iter_recurse(&iter, &sub)
            return .variant(try read(&sub, depth: depth + 1))
        case CSSTP_DBUS_TYPE_STRUCT:
            var sub = DBusMessageIter()
            dbus_message_iter_recurse(&iter, &sub)
            var members: [DBusValue] = []
            while dbus_message_iter_get_arg_type(&sub) != CSSTP_DBUS_TYPE_INVALID {
                members.append(try read(&sub, depth: depth + 1))
                dbus_message_iter_next(&sub)
            }
            return .structure(members)
        case CSSTP_DBUS_TYPE_ARRAY:
            let elementSignature = signature(ofElementOf: &iter)
            var sub = DBusMessageIter()
            dbus_message_iter_recurse(&iter, &sub)
            if elementSignature.hasPrefix("{") {
                var entries: [DBusValue.DictionaryEntry] = []
                while dbus_message_iter_get_arg_type(&sub) == CSSTP_DBUS_TYPE_DICT_ENTRY {
                    var pair = DBusMessageIter()
                    dbus_message_iter_recurse(&sub, &pair)
                    let key = try read(&pair, depth: depth + 2)
                    dbus_message_iter_next(&pair)
                    let value = try read(&pair, depth: depth + 2)
                    entries.append(.init(key, value))
                    dbus_message_iter_next(&sub)
                }
                let inner = String(elementSignature.dropFirst().dropLast())
                let keySignature = String(inner.prefix(1))
                return .dictionary(keySignature: keySignature, valueSignature: String(inner.dropFirst()), entries)
            }
            var items: [DBusValue] = []
            while dbus_message_iter_get_arg_type(&sub) != CSSTP_DBUS_TYPE_INVALID {
                items.append(try read(&sub, depth: depth + 1))
                dbus_message_iter_next(&sub)
            }
            return .array(elementSignature: elementSignature, items)
        default:
            throw DBusMarshalError(description: "unsupported D-Bus type code \(type)")
        }
    }

    private static func signature(ofElementOf iter: inout DBusMessageIter) -> String {
        guard let full = dbus_message_iter_get_signature(&iter) else { return "" }
        defer { dbus_free(full) }
        return String(String(cString: full).dropFirst())
    }
}
