import ByteCoding

/// IPCP Configuration Option types (RFC 1332 §3, RFC 1877 §1).
enum IPCPOption {
    /// RFC 1332 §3.1 IP-Addresses (deprecated): rejected.
    static let ipAddresses: UInt8 = 1
    /// RFC 1332 §3.2 IP-Compression-Protocol (Van Jacobson): rejected.
    static let ipCompressionProtocol: UInt8 = 2
    /// RFC 1332 §3.3 IP-Address, 4 bytes; 0.0.0.0 asks the peer for one.
    static let ipAddress: UInt8 = 3
    /// RFC 1877 §1.1 Primary-DNS-Server-Address.
    static let primaryDNS: UInt8 = 129
    /// RFC 1877 §1.2 Primary-NBNS-Server-Address.
    static let primaryNBNS: UInt8 = 130
    /// RFC 1877 §1.3 Secondary-DNS-Server-Address.
    static let secondaryDNS: UInt8 = 131
    /// RFC 1877 §1.4 Secondary-NBNS-Server-Address.
    static let secondaryNBNS: UInt8 = 132

    /// The address options, in the order we send them (pppd's, and the
    /// order SoftEther answers in).
    static let addressOptions: [UInt8] = [
        ipAddress, primaryDNS, secondaryDNS, primaryNBNS, secondaryNBNS,
    ]

    static func address(_ option: PPPConfigurationOption) -> IPv4Address? {
        option.uint32Value.map(IPv4Address.init)
    }

    static func option(_ type: UInt8, _ address: IPv4Address) -> PPPConfigurationOption {
        .uint32(type: type, address.value)
    }

    static func name(_ type: UInt8) -> String {
        switch type {
        case ipAddresses: "addrs"
        case ipCompressionProtocol: "compress"
        case ipAddress: "addr"
        case primaryDNS: "ms-dns1"
        case primaryNBNS: "ms-wins1"
        case secondaryDNS: "ms-dns2"
        case secondaryNBNS: "ms-wins2"
        default: "option \(type)"
        }
    }

    static func describe(_ option: PPPConfigurationOption) -> String {
        if let address = address(option) { return "\(name(option.type)) \(address)" }
        return name(option.type) + " " + option.data.hexString
    }
}
