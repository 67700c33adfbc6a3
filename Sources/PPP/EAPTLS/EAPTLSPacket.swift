import ByteCoding

/// The Data field of one EAP-TLS Request or Response (RFC 5216 §3.1, §3.2),
/// Type octet included: Type, Flags, the TLS Message Length when L is set,
/// then TLS data. The same layout carries PEAP (MS-PEAP 2.2.2) and the
/// other methods that reuse EAP-TLS framing, so the Type is a parameter.
public struct EAPTLSPacket: Hashable, Sendable {
    public var type: UInt8
    public var flags: EAPTLSFlags
    /// The TLS Message Length, present exactly when `flags` holds L.
    public var messageLength: UInt32?
    public var data: [UInt8]

    public init(type: UInt8, flags: EAPTLSFlags, messageLength: UInt32? = nil, data: [UInt8] = []) {
        self.type = type
        var flags = flags
        if messageLength == nil {
            flags.remove(.lengthIncluded)
        } else {
            flags.insert(.lengthIncluded)
        }
        self.flags = flags
        self.messageLength = messageLength
        self.data = data
    }

    /// Parses the EAP Data field (Type onward) of a Request or Response.
    public init(parsing typeAndData: ArraySlice<UInt8>, expectedType: UInt8) throws(EAPTLSError) {
        var reader = ByteReader(typeAndData)
        guard let type = reader.readUInt8() else { throw .missingFlags }
        guard type == expectedType else { throw .unexpectedType(expected: expectedType, received: type) }
        guard let rawFlags = reader.readUInt8() else { throw .missingFlags }
        let flags = EAPTLSFlags(rawValue: rawFlags)
        var messageLength: UInt32?
        if flags.contains(.lengthIncluded) {
            // RFC 5216 §3.1: "TLS Message Length ... four octets, and is
            // present only if the L bit is set".
            guard let length = reader.readUInt32() else {
                throw .truncatedMessageLength(have: reader.remaining)
            }
            messageLength = length
        }
        self.type = type
        self.flags = flags
        self.messageLength = messageLength
        data = Array(reader.readRest())
    }

    /// Type, Flags, the length when L is set, data.
    public var typeAndData: [UInt8] {
        var out: [UInt8] = [type, flags.rawValue]
        if let messageLength {
            out.appendUInt32(messageLength)
        }
        out += data
        return out
    }
}
