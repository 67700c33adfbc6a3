import ByteCoding

/// Any SSTP control message (MS-SSTP 2.2.2), one case per message type.
public enum SSTPControlMessage: Hashable, Sendable, CustomStringConvertible {
    case callConnectRequest(CallConnectRequest)
    case callConnectAck(CallConnectAck)
    case callConnectNak(CallConnectNak)
    case callConnected(CallConnected)
    case callAbort(CallAbort)
    case callDisconnect(CallDisconnect)
    case callDisconnectAck(CallDisconnectAck)
    case echoRequest(EchoRequest)
    case echoResponse(EchoResponse)

    public var messageType: SSTPMessageType {
        switch self {
        case .callConnectRequest: .callConnectRequest
        case .callConnectAck: .callConnectAck
        case .callConnectNak: .callConnectNak
        case .callConnected: .callConnected
        case .callAbort: .callAbort
        case .callDisconnect: .callDisconnect
        case .callDisconnectAck: .callDisconnectAck
        case .echoRequest: .echoRequest
        case .echoResponse: .echoResponse
        }
    }

    /// Parses the part after the 4-byte packet header: Message Type, Num
    /// Attributes and the attributes (§2.2.2).
    public init(body: ArraySlice<UInt8>, options: SSTPParseOptions = .default) throws(SSTPWireError) {
        var reader = ByteReader(body)
        guard let rawType = reader.readUInt16(), let count = reader.readUInt16() else {
            throw .packetLengthTooShort(
                declared: body.count + sstpPacketHeaderLength, minimum: sstpControlHeaderLength)
        }
        guard let type = SSTPMessageType(rawValue: rawType) else {
            throw .unknownMessageType(rawType)
        }
        let attributes = try SSTPRawAttribute.parseList(
            count: Int(count), from: &reader, options: options)
        switch type {
        case .callConnectRequest:
            self = .callConnectRequest(try CallConnectRequest(attributes: attributes, options: options))
        case .callConnectAck:
            self = .callConnectAck(try CallConnectAck(attributes: attributes, options: options))
        case .callConnectNak:
            self = .callConnectNak(try CallConnectNak(attributes: attributes, options: options))
        case .callConnected:
            self = .callConnected(try CallConnected(attributes: attributes, options: options))
        case .callAbort:
            self = .callAbort(try CallAbort(attributes: attributes, options: options))
        case .callDisconnect:
            self = .callDisconnect(try CallDisconnect(attributes: attributes, options: options))
        case .callDisconnectAck:
            self = .callDisconnectAck(try CallDisconnectAck(attributes: attributes, options: options))
        case .echoRequest:
            self = .echoRequest(try EchoRequest(attributes: attributes, options: options))
        case .echoResponse:
            self = .echoResponse(try EchoResponse(attributes: attributes, options: options))
        }
    }

    public func serialized() -> [UInt8] {
        switch self {
        case .callConnectRequest(let m): m.serialized()
        case .callConnectAck(let m): m.serialized()
        case .callConnectNak(let m): m.serialized()
        case .callConnected(let m): m.serialized()
        case .callAbort(let m): m.serialized()
        case .callDisconnect(let m): m.serialized()
        case .callDisconnectAck(let m): m.serialized()
        case .echoRequest(let m): m.serialized()
        case .echoResponse(let m): m.serialized()
        }
    }

    public var description: String {
        switch self {
        case .callConnectNak(let m):
            "\(messageType.specName) [\(m.statusInfos.map(\.description).joined(separator: ", "))]"
        case .callAbort(let m):
            "\(messageType.specName)" + (m.statusInfo.map { " [\($0)]" } ?? "")
        case .callDisconnect(let m):
            "\(messageType.specName)" + (m.statusInfo.map { " [\($0)]" } ?? "")
        default:
            messageType.specName
        }
    }
}
