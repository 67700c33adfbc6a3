/// An IPv4 address as IPCP carries it (RFC 1332 §3.3: 4 octets, network order).
public struct IPv4Address: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var value: UInt32

    public init(_ value: UInt32) {
        self.value = value
    }

    public init(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) {
        value = UInt32(a) << 24 | UInt32(b) << 16 | UInt32(c) << 8 | UInt32(d)
    }

    /// Dotted quad, e.g. "192.168.30.10"; `nil` for anything else.
    public init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var value: UInt32 = 0
        for part in parts {
            guard !part.isEmpty, part.count <= 3, let octet = UInt8(part) else { return nil }
            value = value << 8 | UInt32(octet)
        }
        self.value = value
    }

    /// 0.0.0.0: "please assign me one" in a Configure-Request (RFC 1332 §3.3).
    public static let zero = IPv4Address(0)

    public var bytes: [UInt8] {
        [
            UInt8(value >> 24), UInt8((value >> 16) & 0xff), UInt8((value >> 8) & 0xff),
            UInt8(value & 0xff),
        ]
    }

    /// An address a host can use as its own: not 0.0.0.0/8, loopback,
    /// multicast, reserved or broadcast.
    public var isUsableUnicast: Bool {
        let first = value >> 24
        return first != 0 && first != 127 && first < 224
    }

    public var description: String {
        "\(value >> 24).\((value >> 16) & 0xff).\((value >> 8) & 0xff).\(value & 0xff)"
    }

    public static func < (lhs: IPv4Address, rhs: IPv4Address) -> Bool { lhs.value < rhs.value }
}

/// What IPCP negotiated (RFC 1332, RFC 1877), from this end's point of view.
public struct IPv4Configuration: Hashable, Sendable, CustomStringConvertible {
    /// Our address.
    public var local: IPv4Address
    /// The peer's address, when it told us one (SoftEther sends a dummy
    /// 1.0.0.1: use it only as the point-to-point peer).
    public var peer: IPv4Address?
    /// Primary then secondary DNS server (RFC 1877 §1.1, §1.3), zeros left out.
    public var dns: [IPv4Address]
    /// Primary then secondary NBNS (WINS) server (RFC 1877 §1.2, §1.4).
    public var nbns: [IPv4Address]
    /// The largest packet we may send: the peer's MRU, capped by ours.
    public var mtu: Int

    public init(
        local: IPv4Address, peer: IPv4Address?, dns: [IPv4Address], nbns: [IPv4Address], mtu: Int
    ) {
        self.local = local
        self.peer = peer
        self.dns = dns
        self.nbns = nbns
        self.mtu = mtu
    }

    public var description: String {
        var text = "local \(local)"
        if let peer { text += ", peer \(peer)" }
        if !dns.isEmpty { text += ", DNS " + dns.map(\.description).joined(separator: " ") }
        if !nbns.isEmpty { text += ", NBNS " + nbns.map(\.description).joined(separator: " ") }
        return text + ", MTU \(mtu)"
    }
}

/// What IPv6CP negotiated (RFC 5072 §4.1): the interface identifiers that
/// form the link-local addresses fe80::<identifier>.
public struct IPv6Configuration: Hashable, Sendable, CustomStringConvertible {
    /// Our interface identifier, 8 bytes, never zero.
    public var localInterfaceIdentifier: [UInt8]
    /// The peer's interface identifier (8 bytes), when it sent one.
    public var peerInterfaceIdentifier: [UInt8]?
    /// The largest packet we may send.
    public var mtu: Int

    public init(localInterfaceIdentifier: [UInt8], peerInterfaceIdentifier: [UInt8]?, mtu: Int) {
        self.localInterfaceIdentifier = localInterfaceIdentifier
        self.peerInterfaceIdentifier = peerInterfaceIdentifier
        self.mtu = mtu
    }

    public var description: String {
        var text = "local " + linkLocalText(localInterfaceIdentifier)
        if let peer = peerInterfaceIdentifier { text += ", peer " + linkLocalText(peer) }
        return text + ", MTU \(mtu)"
    }
}

/// fe80::xxxx:xxxx:xxxx:xxxx for logs.
func linkLocalText(_ identifier: [UInt8]) -> String {
    var groups: [String] = []
    var index = 0
    while index + 1 < identifier.count {
        groups.append(
            String(UInt16(identifier[index]) << 8 | UInt16(identifier[index + 1]), radix: 16))
        index += 2
    }
    return "fe80::" + groups.joined(separator: ":")
}
