import ByteCoding

/// EAP codes and types (RFC 3748 §4, §5).
enum EAPCode {
    static let request: UInt8 = 1
    static let response: UInt8 = 2
    static let success: UInt8 = 3
    static let failure: UInt8 = 4
}

enum EAPType {
    /// RFC 3748 §5.1.
    static let identity: UInt8 = 1
    /// RFC 3748 §5.2.
    static let notification: UInt8 = 2
    /// RFC 3748 §5.3.1 Legacy Nak (responses only).
    static let nak: UInt8 = 3
    /// draft-kamath-pppext-eap-mschapv2 §2: EAP-MSCHAPv2.
    static let mschapv2: UInt8 = 26
}

/// EAP-MSCHAPv2 OpCodes (draft-kamath-pppext-eap-mschapv2 §2).
enum EAPMSCHAPv2OpCode {
    static let challenge: UInt8 = 1
    static let response: UInt8 = 2
    static let success: UInt8 = 3
    static let failure: UInt8 = 4
}

/// The Type-Data of an EAP-MSCHAPv2 Challenge, Response, Success-Request or
/// Failure-Request (draft-kamath §2.1–§2.5): OpCode, MS-CHAPv2-ID,
/// MS-Length (the EAP Length minus 5), then the MS-CHAPv2 packet body.
struct EAPMSCHAPv2Packet: Hashable, Sendable {
    var opCode: UInt8
    var msIdentifier: UInt8
    /// For Challenge and Response: Value-Size, Value, Name. For Success
    /// and Failure Requests: the message.
    var body: [UInt8]

    init(opCode: UInt8, msIdentifier: UInt8, body: [UInt8]) {
        self.opCode = opCode
        self.msIdentifier = msIdentifier
        self.body = body
    }

    /// Parses the Type-Data after the Type octet. A lone OpCode is the
    /// Success or Failure Response form (draft-kamath §2.4, §2.6).
    init(parsing typeData: ArraySlice<UInt8>) throws(PPPWireError) {
        var reader = ByteReader(typeData)
        guard let opCode = reader.readUInt8() else {
            throw .truncatedField(protocolName: "EAP-MSCHAPv2", field: "OpCode")
        }
        self.opCode = opCode
        if reader.isAtEnd {
            msIdentifier = 0
            body = []
            return
        }
        guard let id = reader.readUInt8(), let msLength = reader.readUInt16() else {
            throw .truncatedField(protocolName: "EAP-MSCHAPv2", field: "MS-Length")
        }
        // MS-Length counts OpCode, MS-CHAPv2-ID, MS-Length and the body;
        // a larger value than what is there is malformed, trailing bytes
        // beyond it are ignored.
        let bodyLength = Int(msLength) - 4
        guard bodyLength >= 0, let body = reader.readBytes(bodyLength) else {
            throw .badFieldLength(
                protocolName: "EAP-MSCHAPv2", field: "MS-Length", length: Int(msLength))
        }
        msIdentifier = id
        self.body = Array(body)
    }

    /// Type, OpCode, MS-CHAPv2-ID, MS-Length, body: the EAP Type-Data with
    /// its Type octet in front.
    var typeAndData: [UInt8] {
        var out: [UInt8] = [EAPType.mschapv2, opCode, msIdentifier]
        out.appendUInt16(UInt16(truncatingIfNeeded: 4 + body.count))
        out += body
        return out
    }
}
