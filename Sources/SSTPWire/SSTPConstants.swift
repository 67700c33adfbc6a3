/// Constants of MS-SSTP section 2.2.

/// §2.2.1: the Version field is 0x10 (major 1, minor 0).
public let sstpVersion: UInt8 = 0x10

/// §2.2.1: the 12-bit Length field counts the whole packet, header included.
public let sstpMaxPacketLength = 4095

/// §2.2.1: Version(1) + Reserved/C(1) + Length(2).
public let sstpPacketHeaderLength = 4

/// §2.2.2: Message Type(2) + Num Attributes(2) after the packet header.
public let sstpControlHeaderLength = 8

/// §2.2.4: Reserved(1) + Attribute ID(1) + Length(2).
public let sstpAttributeHeaderLength = 4

/// §2.2.2 Message Type values, named as in the spec.
public enum SSTPMessageType: UInt16, Sendable, CaseIterable, CustomStringConvertible {
    case callConnectRequest = 0x0001
    case callConnectAck = 0x0002
    case callConnectNak = 0x0003
    case callConnected = 0x0004
    case callAbort = 0x0005
    case callDisconnect = 0x0006
    case callDisconnectAck = 0x0007
    case echoRequest = 0x0008
    case echoResponse = 0x0009

    /// The spec's name, e.g. `SSTP_MSG_CALL_CONNECT_REQUEST`.
    public var specName: String {
        switch self {
        case .callConnectRequest: "SSTP_MSG_CALL_CONNECT_REQUEST"
        case .callConnectAck: "SSTP_MSG_CALL_CONNECT_ACK"
        case .callConnectNak: "SSTP_MSG_CALL_CONNECT_NAK"
        case .callConnected: "SSTP_MSG_CALL_CONNECTED"
        case .callAbort: "SSTP_MSG_CALL_ABORT"
        case .callDisconnect: "SSTP_MSG_CALL_DISCONNECT"
        case .callDisconnectAck: "SSTP_MSG_CALL_DISCONNECT_ACK"
        case .echoRequest: "SSTP_MSG_ECHO_REQUEST"
        case .echoResponse: "SSTP_MSG_ECHO_RESPONSE"
        }
    }

    public var description: String { specName }
}

/// §2.2.4 Attribute ID values.
public enum SSTPAttributeID: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    case encapsulatedProtocolID = 0x01
    case statusInfo = 0x02
    case cryptoBinding = 0x03
    case cryptoBindingRequest = 0x04

    public var specName: String {
        switch self {
        case .encapsulatedProtocolID: "SSTP_ATTRIB_ENCAPSULATED_PROTOCOL_ID"
        case .statusInfo: "SSTP_ATTRIB_STATUS_INFO"
        case .cryptoBinding: "SSTP_ATTRIB_CRYPTO_BINDING"
        case .cryptoBindingRequest: "SSTP_ATTRIB_CRYPTO_BINDING_REQ"
        }
    }

    public var description: String { specName }

    /// Names a raw attribute ID, known or not (for errors and logs).
    public static func name(of raw: UInt8) -> String {
        if let known = SSTPAttributeID(rawValue: raw) { return known.specName }
        if raw == 0 { return "SSTP_ATTRIB_NO_ERROR" }
        return "attribute 0x" + String(raw, radix: 16)
    }
}

/// §2.2.8 Status values of the Status Info attribute. A struct rather than
/// an enum: a peer may report a status that a later spec defines, and we
/// still want to show it (by number) instead of failing on it.
public struct SSTPStatus: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let noError = SSTPStatus(rawValue: 0x0000_0000)
    public static let duplicateAttribute = SSTPStatus(rawValue: 0x0000_0001)
    public static let unrecognizedAttribute = SSTPStatus(rawValue: 0x0000_0002)
    public static let invalidAttribValueLength = SSTPStatus(rawValue: 0x0000_0003)
    public static let valueNotSupported = SSTPStatus(rawValue: 0x0000_0004)
    public static let unacceptedFrameReceived = SSTPStatus(rawValue: 0x0000_0005)
    public static let retryCountExceeded = SSTPStatus(rawValue: 0x0000_0006)
    public static let invalidFrameReceived = SSTPStatus(rawValue: 0x0000_0007)
    public static let negotiationTimeout = SSTPStatus(rawValue: 0x0000_0008)
    public static let attribNotSupportedInMsg = SSTPStatus(rawValue: 0x0000_0009)
    public static let requiredAttributeMissing = SSTPStatus(rawValue: 0x0000_000A)
    public static let statusInfoNotSupportedInMsg = SSTPStatus(rawValue: 0x0000_000B)

    /// The twelve values of §2.2.8.
    public static let allDefined: [SSTPStatus] = [
        .noError, .duplicateAttribute, .unrecognizedAttribute, .invalidAttribValueLength,
        .valueNotSupported, .unacceptedFrameReceived, .retryCountExceeded,
        .invalidFrameReceived, .negotiationTimeout, .attribNotSupportedInMsg,
        .requiredAttributeMissing, .statusInfoNotSupportedInMsg,
    ]

    /// The spec's name, e.g. `ATTRIB_STATUS_VALUE_NOT_SUPPORTED`.
    public var specName: String {
        switch rawValue {
        case 0x0: "ATTRIB_STATUS_NO_ERROR"
        case 0x1: "ATTRIB_STATUS_DUPLICATE_ATTRIBUTE"
        case 0x2: "ATTRIB_STATUS_UNRECOGNIZED_ATTRIBUTE"
        case 0x3: "ATTRIB_STATUS_INVALID_ATTRIB_VALUE_LENGTH"
        case 0x4: "ATTRIB_STATUS_VALUE_NOT_SUPPORTED"
        case 0x5: "ATTRIB_STATUS_UNACCEPTED_FRAME_RECEIVED"
        case 0x6: "ATTRIB_STATUS_RETRY_COUNT_EXCEEDED"
        case 0x7: "ATTRIB_STATUS_INVALID_FRAME_RECEIVED"
        case 0x8: "ATTRIB_STATUS_NEGOTIATION_TIMEOUT"
        case 0x9: "ATTRIB_STATUS_ATTRIB_NOT_SUPPORTED_IN_MSG"
        case 0xA: "ATTRIB_STATUS_REQUIRED_ATTRIBUTE_MISSING"
        case 0xB: "ATTRIB_STATUS_STATUS_INFO_NOT_SUPPORTED_IN_MSG"
        default: "unknown status 0x" + String(rawValue, radix: 16)
        }
    }

    /// What the status means, for error messages.
    public var explanation: String {
        switch rawValue {
        case 0x0: "no error"
        case 0x1: "an attribute was sent twice"
        case 0x2: "an attribute was not recognised"
        case 0x3: "an attribute had a length that is not allowed"
        case 0x4: "a value is not supported (for a crypto binding: the binding did not verify)"
        case 0x5: "a frame was not accepted in the current state"
        case 0x6: "too many retries"
        case 0x7: "an invalid frame was received"
        case 0x8: "negotiation timed out"
        case 0x9: "an attribute is not allowed in that message"
        case 0xA: "a required attribute is missing"
        case 0xB: "a Status Info attribute is not allowed in that message"
        default: "a status this client does not know"
        }
    }

    public var description: String { specName }
}

/// §2.2.5: the only Protocol ID defined is PPP.
public let sstpEncapsulatedProtocolPPP: UInt16 = 0x0001
