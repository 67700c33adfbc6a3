/// SSTP_MSG_CALL_CONNECT_NAK (MS-SSTP 2.2.12): the server's refusal, one
/// or more Status Info attributes and nothing else.
public struct CallConnectNak: SSTPControlMessageFormat {
    public static let messageType = SSTPMessageType.callConnectNak
    /// The most Status Info attributes that fit in one packet.
    static let maximumCount = (sstpMaxPacketLength - sstpControlHeaderLength) / StatusInfoAttribute.minimumLength

    public var statusInfos: [StatusInfoAttribute]

    public init(statusInfos: [StatusInfoAttribute]) {
        self.statusInfos = statusInfos
    }

    public init(attributes: [SSTPRawAttribute], options: SSTPParseOptions) throws(SSTPWireError) {
        try checkAttributes(
            attributes, message: Self.messageType, allowed: [.statusInfo],
            count: 1...Self.maximumCount, repeatable: .statusInfo)
        var infos: [StatusInfoAttribute] = []
        for raw in attributes {
            infos.append(try StatusInfoAttribute(raw: raw, options: options))
        }
        statusInfos = infos
    }

    public func appendAttributes(to bytes: inout [UInt8]) -> Int {
        for info in statusInfos { info.append(to: &bytes) }
        return statusInfos.count
    }
}
