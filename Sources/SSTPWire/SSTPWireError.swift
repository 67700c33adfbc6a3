/// Everything that can be wrong with received SSTP bytes. Each case names the
/// rule of MS-SSTP section 2.2 that the input broke.
public enum SSTPWireError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Fewer bytes than the 4-byte packet header (§2.2.1).
    case truncatedHeader(have: Int)
    /// Version is not 0x10 (§2.2.1).
    case badVersion(UInt8)
    /// A reserved field is not zero. Only reported in strict mode: §2.2.1
    /// and §2.2.4 say reserved bits MUST be ignored on receipt.
    case reservedBitsSet(ReservedField)
    /// The Length field is below the minimum for the packet kind (§2.2.1:
    /// 4 for data, §2.2.2: 8 for control).
    case packetLengthTooShort(declared: Int, minimum: Int)
    /// The Length field does not match the bytes given (§2.2.1).
    case lengthMismatch(declared: Int, actual: Int)
    /// A data packet carries no PPP frame (§2.2.3).
    case emptyDataPacket
    /// The Message Type is not one of §2.2.2's nine.
    case unknownMessageType(UInt16)
    /// An attribute header or value runs past the packet end (§2.2.4).
    case truncatedAttribute(index: Int)
    /// An attribute's Length is below its 4-byte header (§2.2.4).
    case attributeLengthTooShort(attributeID: UInt8, length: Int)
    /// Bytes are left after the last attribute that Num Attributes counts (§2.2.2).
    case trailingBytes(count: Int)
    /// An attribute ID outside §2.2.4's four.
    case unknownAttribute(UInt8)
    /// An attribute's Length is not the one §2.2.5–2.2.8 fix for it.
    case attributeLengthNotAllowed(attributeID: UInt8, length: Int)
    /// The message has a number of attributes that §2.2.9–2.2.15 forbid.
    case wrongAttributeCount(message: SSTPMessageType, found: Int, allowed: ClosedRange<Int>)
    /// The same attribute twice where only one is allowed.
    case duplicateAttribute(UInt8)
    /// A known attribute in a message that does not take it.
    case attributeNotAllowedInMessage(attributeID: UInt8, message: SSTPMessageType)
    /// Crypto Binding Request with no hash protocol bit this spec knows (§2.2.6).
    case noHashProtocolOffered(bitmask: UInt8)
    /// Crypto Binding's Hash Protocol is not exactly SHA1 (1) or SHA256 (2) (§2.2.7).
    case invalidHashProtocol(UInt8)
    /// SHA-1 values in the Crypto Binding must be padded with zeros (§2.2.7).
    case nonZeroPadding(field: PaddedField)
    /// A value longer than the message can carry (serializing only).
    case valueTooLong(length: Int, maximum: Int)

    public enum ReservedField: String, Hashable, Sendable {
        case packetHeader = "packet header reserved bits"
        case packetLength = "packet length reserved bits"
        case attributeReserved = "attribute Reserved byte"
        case attributeLength = "attribute length reserved bits"
        case valueReserved = "attribute value reserved bytes"
    }

    public enum PaddedField: String, Hashable, Sendable {
        case certHash = "Cert Hash"
        case compoundMAC = "Compound MAC"
    }

    public var description: String {
        switch self {
        case .truncatedHeader(let have):
            "truncated SSTP header: \(have) of 4 bytes (MS-SSTP 2.2.1)"
        case .badVersion(let v):
            "bad SSTP version 0x\(String(v, radix: 16)), expected 0x10 (MS-SSTP 2.2.1)"
        case .reservedBitsSet(let field):
            "reserved bits set in the \(field.rawValue) (MS-SSTP 2.2.1, 2.2.4)"
        case .packetLengthTooShort(let declared, let minimum):
            "SSTP packet length \(declared) is below the minimum \(minimum) (MS-SSTP 2.2.1, 2.2.2)"
        case .lengthMismatch(let declared, let actual):
            "SSTP length field says \(declared) bytes but the packet has \(actual) (MS-SSTP 2.2.1)"
        case .emptyDataPacket:
            "SSTP data packet without a PPP frame (MS-SSTP 2.2.3)"
        case .unknownMessageType(let t):
            "unknown SSTP message type 0x\(String(t, radix: 16)) (MS-SSTP 2.2.2)"
        case .truncatedAttribute(let index):
            "SSTP attribute \(index) runs past the end of the packet (MS-SSTP 2.2.4)"
        case .attributeLengthTooShort(let id, let length):
            "\(SSTPAttributeID.name(of: id)) has length \(length), below its 4-byte header (MS-SSTP 2.2.4)"
        case .trailingBytes(let count):
            "\(count) bytes after the last SSTP attribute (MS-SSTP 2.2.2)"
        case .unknownAttribute(let id):
            "unknown SSTP attribute ID 0x\(String(id, radix: 16)) (MS-SSTP 2.2.4)"
        case .attributeLengthNotAllowed(let id, let length):
            "\(SSTPAttributeID.name(of: id)) may not have length \(length) (MS-SSTP 2.2.5-2.2.8)"
        case .wrongAttributeCount(let message, let found, let allowed):
            "\(message.specName) has \(found) attributes; allowed: \(allowed.lowerBound)...\(allowed.upperBound) (MS-SSTP 2.2.9-2.2.17)"
        case .duplicateAttribute(let id):
            "\(SSTPAttributeID.name(of: id)) appears twice (MS-SSTP 3.3.5.2.2)"
        case .attributeNotAllowedInMessage(let id, let message):
            "\(SSTPAttributeID.name(of: id)) is not allowed in \(message.specName) (MS-SSTP 2.2.9-2.2.17)"
        case .noHashProtocolOffered(let bitmask):
            "Crypto Binding Request offers no known hash protocol (bitmask 0x\(String(bitmask, radix: 16))) (MS-SSTP 2.2.6)"
        case .invalidHashProtocol(let value):
            "Crypto Binding hash protocol 0x\(String(value, radix: 16)) is neither SHA1 (1) nor SHA256 (2) (MS-SSTP 2.2.7)"
        case .nonZeroPadding(let field):
            "SHA-1 \(field.rawValue) is not padded with zeros (MS-SSTP 2.2.7)"
        case .valueTooLong(let length, let maximum):
            "value of \(length) bytes exceeds the maximum \(maximum)"
        }
    }

    /// The Status Info a server reports for this error in a CALL_CONNECT_NAK
    /// or CALL_ABORT (MS-SSTP 3.3.5.2.2): which attribute, which status.
    public var statusInfo: (attributeID: UInt8, status: SSTPStatus) {
        switch self {
        case .duplicateAttribute(let id):
            (id, .duplicateAttribute)
        case .unknownAttribute(let id):
            (id, .unrecognizedAttribute)
        case .attributeLengthNotAllowed(let id, _), .attributeLengthTooShort(let id, _):
            (id, .invalidAttribValueLength)
        case .attributeNotAllowedInMessage(let id, _):
            (id, .attribNotSupportedInMsg)
        case .noHashProtocolOffered:
            (SSTPAttributeID.cryptoBindingRequest.rawValue, .valueNotSupported)
        case .invalidHashProtocol, .nonZeroPadding:
            (SSTPAttributeID.cryptoBinding.rawValue, .valueNotSupported)
        case .wrongAttributeCount:
            (SSTPAttributeID.statusInfo.rawValue, .requiredAttributeMissing)
        default:
            (0, .invalidFrameReceived)
        }
    }
}

/// Parsing options.
public struct SSTPParseOptions: Sendable, Hashable {
    /// Report non-zero reserved fields as `reservedBitsSet`. Off by default:
    /// MS-SSTP 2.2.1 and 2.2.4 say reserved fields "MUST be ignored on
    /// receipt", and real servers set them (SoftEther sends a Reserved byte
    /// of 0x01 in an attribute). Conformance tests and the fuzzer use strict.
    public var strictReserved: Bool
    /// Read a Status Info attribute of length 8 (the 4-byte Status alone)
    /// as that status about attribute 0. On by default: PyPI's sstp-server
    /// (sstpd, 0.6.0) sends this short form in CALL_ABORT, e.g. when it
    /// rejects a crypto binding; refusing it would hide why it aborted.
    public var acceptShortStatusInfo: Bool

    public init(strictReserved: Bool = false, acceptShortStatusInfo: Bool = true) {
        self.strictReserved = strictReserved
        self.acceptShortStatusInfo = acceptShortStatusInfo
    }

    public static let `default` = SSTPParseOptions()
    public static let strict = SSTPParseOptions(strictReserved: true, acceptShortStatusInfo: false)
}
