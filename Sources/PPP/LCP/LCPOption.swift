import ByteCoding

/// LCP Configuration Option types (RFC 1661 §6, RFC 1662 §7.1).
enum LCPOption {
    /// §6.1 Maximum-Receive-Unit, 2-byte value.
    static let maximumReceiveUnit: UInt8 = 1
    /// RFC 1662 §7.1 Async-Control-Character-Map: meaningless without
    /// async framing, so SSTP rejects it.
    static let asyncControlCharacterMap: UInt8 = 2
    /// §6.2 Authentication-Protocol.
    static let authenticationProtocol: UInt8 = 3
    /// §6.3 Quality-Protocol.
    static let qualityProtocol: UInt8 = 4
    /// §6.4 Magic-Number, 4-byte value.
    static let magicNumber: UInt8 = 5
    /// §6.5 Protocol-Field-Compression.
    static let protocolFieldCompression: UInt8 = 7
    /// §6.6 Address-and-Control-Field-Compression.
    static let addressControlFieldCompression: UInt8 = 8

    /// The smallest MRU we accept from a peer (pppd's MINMRU).
    static let minimumMRU = 128
    /// §6.1: the MRU that needs no negotiation.
    static let defaultMRU = 1500

    static func describe(_ option: PPPConfigurationOption) -> String {
        switch option.type {
        case maximumReceiveUnit:
            if let v = option.uint16Value { return "mru \(v)" }
        case asyncControlCharacterMap:
            if let v = option.uint32Value { return "asyncmap 0x\(hex32(v))" }
        case authenticationProtocol:
            if let method = PPPAuthenticationMethod(optionData: option.data) {
                return "auth \(method)"
            }
            return "auth " + option.data.hexString
        case magicNumber:
            if let v = option.uint32Value { return "magic 0x\(hex32(v))" }
        case protocolFieldCompression:
            return "pcomp"
        case addressControlFieldCompression:
            return "accomp"
        case qualityProtocol:
            return "quality " + option.data.hexString
        default:
            break
        }
        return "option \(option.type) " + option.data.hexString
    }
}
