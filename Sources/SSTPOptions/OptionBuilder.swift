/// One value for one table entry, as a front end received it.
public struct OptionInput: Sendable {
    public var spec: OptionSpec
    public var text: String
    public var frontEnd: OptionFrontEnd
    /// Where it came from, for messages: "work.conf:3"; nil on the command
    /// line and D-Bus.
    public var location: String?

    public init(spec: OptionSpec, text: String, from frontEnd: OptionFrontEnd, location: String? = nil) {
        self.spec = spec
        self.text = text
        self.frontEnd = frontEnd
        self.location = location
    }
}

/// The file access building options needs, given by the front end (the
/// table itself does no I/O; tests and the fuzz target pass fakes).
public struct OptionFiles: Sendable {
    /// The first line of a secret file, at most `SecretFileLimit.bytes`.
    public var readSecret: @Sendable (String) throws(OptionError) -> String
    /// Throws unless the path names a readable regular file.
    public var checkReadable: @Sendable (String) throws(OptionError) -> Void

    public init(
        readSecret: @escaping @Sendable (String) throws(OptionError) -> String,
        checkReadable: @escaping @Sendable (String) throws(OptionError) -> Void
    ) {
        self.readSecret = readSecret
        self.checkReadable = checkReadable
    }
}

/// A value a front end refuses: which option, where, and why.
public struct OptionFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// The option as the front end spells it (--mtu, mtu, vpn.data mtu,
    /// option "mtu").
    public var name: String
    public var location: String?
    public var reason: String

    public init(name: String, location: String? = nil, reason: String) {
        self.name = name
        self.location = location
        self.reason = reason
    }

    public var description: String {
        (location.map { "\($0): " } ?? "") + "\(name): \(reason)"
    }
}

extension OptionTable {
    /// Parses, checks and applies the inputs in table order (so the result
    /// does not depend on the order of the inputs): for an entry that is not
    /// repeatable the last input wins.
    public static func build(
        _ inputs: [OptionInput], files: OptionFiles,
        into target: OptionTarget = OptionTarget()
    ) throws(OptionFailure) -> OptionTarget {
        var target = target
        for spec in all {
            var mine = inputs.filter { $0.spec.id == spec.id }
            if mine.isEmpty { continue }
            if !spec.repeatable, let last = mine.last { mine = [last] }
            for input in mine {
                let frontEnd = input.frontEnd
                let failure = { (reason: String) in
                    OptionFailure(name: spec.name(in: frontEnd), location: input.location, reason: reason)
                }
                do {
                    var value = try spec.kind.parse(input.text, from: frontEnd)
                    if spec.inverted(in: frontEnd), case .bool(let b) = value { value = .bool(!b) }
                    switch spec.kind {
                    case .secretFile: value = .text(try files.readSecret(value.text))
                    case .path: try files.checkReadable(value.text)
                    default: break
                    }
                    if spec.noEffect {
                        target.notes.append(
                            "\(spec.name(in: frontEnd))=\(input.text) has no effect over SSTP with the built-in PPP")
                    }
                    try spec.apply?(&target, value)
                } catch {
                    throw failure(error.reason)
                }
            }
        }
        return target
    }

    /// The entries a front end knows, by the key it uses.
    public static func byConfigKey(_ key: String) -> OptionSpec? { all.first { $0.configKey == key } }
    public static func byVPNDataKey(_ key: String) -> OptionSpec? { all.first { $0.vpnData?.name == key } }
    public static func byDBusKey(_ key: String) -> OptionSpec? { all.first { $0.dbus?.name == key } }
}
