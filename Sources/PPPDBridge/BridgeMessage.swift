import ByteCoding

/// One message of the bridge between the pppd plugin `sstp-pppd-bridge.so`
/// and the service (nm-plugin/pppd/PROTOCOL.md). IPv4 addresses are 4 bytes
/// in network order, interface identifiers 8 bytes in wire order.
public enum BridgeMessage: Hashable, Sendable {
    // plugin -> service
    /// Sent while pppd parses its options; `options` are `name=value`.
    case hello(pppdVersion: String, pid: UInt32, protocolVersion: UInt8, options: [String])
    /// pppd waits for `.password` or `.passwordRefused`.
    case passwordRequest(user: String)
    /// pppd's `PHASE_*` number.
    case phase(UInt32)
    /// Our authentication succeeded; pppd waits for `.authAck`. The keys are
    /// nil when pppd has none (`mppe_keys_set == 0`).
    case authUp(sendKey: [UInt8]?, receiveKey: [UInt8]?)
    /// `peer` is nil when pppd invented it (10.64.64.64 + unit) or has none;
    /// `dns` holds only non-zero entries.
    case ipUp(interface: String, local: [UInt8], peer: [UInt8]?, dns: [[UInt8]], mtu: UInt32)
    /// 8-byte interface identifiers.
    case ipv6Up(interface: String, localIdentifier: [UInt8], peerIdentifier: [UInt8]?)
    /// pppd is exiting with this status.
    case exit(status: UInt32)
    // service -> plugin
    case password(String)
    case passwordRefused(reason: String)
    case authAck
    case failure(String)

    /// The protocol version this codec speaks.
    public static let protocolVersion: UInt8 = 1
    /// Version, type and body length.
    public static let headerLength = 4
    /// The largest body; a whole message is at most 4096 bytes.
    public static let maxBodyLength = 4092

    public var type: BridgeMessageType {
        switch self {
        case .hello: .hello
        case .passwordRequest: .passwordRequest
        case .phase: .phase
        case .authUp: .authUp
        case .ipUp: .ipUp
        case .ipv6Up: .ipv6Up
        case .exit: .exit
        case .password: .password
        case .passwordRefused: .passwordRefused
        case .authAck: .authAck
        case .failure: .failure
        }
    }

    /// The message on the wire. Values that break a rule of the protocol (a
    /// key of 5 bytes, a NUL in a password, a body over 4092 bytes) encode
    /// to bytes that every decoder refuses; they never misframe the stream.
    /// `validated()` checks before sending.
    public func encoded() -> [UInt8] {
        var body: [UInt8] = []
        switch self {
        case .hello(let pppdVersion, let pid, let protocolVersion, let options):
            body.appendAttribute(.pppdVersion, Array(pppdVersion.utf8))
            body.appendAttribute(.pid, uint32: pid)
            body.appendAttribute(.protocolVersion, [protocolVersion])
            for option in options {
                body.appendAttribute(.option, Array(option.utf8))
            }
        case .passwordRequest(let user):
            body.appendAttribute(.user, Array(user.utf8))
        case .phase(let phase):
            body.appendAttribute(.phase, uint32: phase)
        case .authUp(let sendKey, let receiveKey):
            if let sendKey { body.appendAttribute(.mppeSendKey, sendKey) }
            if let receiveKey { body.appendAttribute(.mppeReceiveKey, receiveKey) }
        case .ipUp(let interface, let local, let peer, let dns, let mtu):
            body.appendAttribute(.interface, Array(interface.utf8))
            body.appendAttribute(.localIPv4, local)
            if let peer { body.appendAttribute(.peerIPv4, peer) }
            for server in dns {
                body.appendAttribute(.dnsIPv4, server)
            }
            body.appendAttribute(.mtu, uint32: mtu)
        case .ipv6Up(let interface, let localIdentifier, let peerIdentifier):
            body.appendAttribute(.interface, Array(interface.utf8))
            body.appendAttribute(.localInterfaceIdentifier, localIdentifier)
            if let peerIdentifier { body.appendAttribute(.peerInterfaceIdentifier, peerIdentifier) }
        case .exit(let status):
            body.appendAttribute(.exitStatus, uint32: status)
        case .password(let password):
            body.appendAttribute(.password, Array(password.utf8))
        case .passwordRefused(let reason), .failure(let reason):
            body.appendAttribute(.reason, Array(reason.utf8))
        case .authAck:
            break
        }
        var out: [UInt8] = [Self.protocolVersion, type.rawValue]
        out.reserveCapacity(Self.headerLength + body.count)
        // Saturate instead of truncating: a decoder then refuses the body as
        // too long rather than reading a shorter message.
        out.appendUInt16(body.count <= Self.maxBodyLength ? UInt16(body.count) : UInt16.max)
        out.append(contentsOf: body)
        return out
    }

    /// The encoded message after checking it against every rule a decoder
    /// applies: the error a receiver would report, or the bytes to send.
    public func validated() throws(BridgeError) -> [UInt8] {
        let bytes = encoded()
        var deframer = BridgeDeframer()
        _ = try deframer.feed(bytes)
        return bytes
    }
}

extension [UInt8] {
    fileprivate mutating func appendAttribute(_ attribute: BridgeAttribute, _ value: [UInt8]) {
        appendUInt16(attribute.rawValue)
        // An oversize value saturates; its body is then over 4092 bytes too.
        appendUInt16(value.count <= Int(UInt16.max) ? UInt16(value.count) : UInt16.max)
        append(contentsOf: value)
    }

    fileprivate mutating func appendAttribute(_ attribute: BridgeAttribute, uint32 value: UInt32) {
        var bytes: [UInt8] = []
        bytes.appendUInt32(value)
        appendAttribute(attribute, bytes)
    }
}
