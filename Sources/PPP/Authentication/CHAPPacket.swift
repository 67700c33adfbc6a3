import ByteCoding

/// CHAP packet codes (RFC 1994 §4).
enum CHAPCode {
    static let challenge: UInt8 = 1
    static let response: UInt8 = 2
    static let success: UInt8 = 3
    static let failure: UInt8 = 4
}

/// RFC 1994 §4.1 Challenge and Response data: Value-Size, Value, Name.
/// MS-CHAPv2 uses the same layout (RFC 2759 §3, §4).
struct CHAPChallengeOrResponse: Hashable, Sendable {
    var value: [UInt8]
    var name: [UInt8]

    init(value: [UInt8], name: [UInt8]) {
        self.value = value
        self.name = name
    }

    init(parsing data: ArraySlice<UInt8>) throws(PPPWireError) {
        var reader = ByteReader(data)
        guard let size = reader.readUInt8() else {
            throw .truncatedField(protocolName: "CHAP", field: "Value-Size")
        }
        // RFC 1994 §4.1: the Value is at least one octet.
        guard size > 0 else {
            throw .badFieldLength(protocolName: "CHAP", field: "Value", length: 0)
        }
        guard let value = reader.readBytes(Int(size)) else {
            throw .truncatedField(protocolName: "CHAP", field: "Value")
        }
        self.value = Array(value)
        name = Array(reader.readRest())
    }

    var data: [UInt8] {
        let value = self.value.prefix(255)
        return [UInt8(value.count)] + value + name
    }
}

/// RFC 2759 §4 Response Value: Peer-Challenge (16), Reserved (8 zeros),
/// NT-Response (24), Flags (1, zero).
struct MSCHAPv2ResponseValue: Hashable, Sendable {
    static let length = 49

    var peerChallenge: [UInt8]
    var ntResponse: [UInt8]

    init(peerChallenge: [UInt8], ntResponse: [UInt8]) {
        self.peerChallenge = peerChallenge
        self.ntResponse = ntResponse
    }

    init(parsing value: [UInt8], protocolName: String) throws(PPPWireError) {
        guard value.count == Self.length else {
            throw .badFieldLength(
                protocolName: protocolName, field: "MS-CHAPv2 Response value", length: value.count)
        }
        peerChallenge = Array(value[0..<16])
        ntResponse = Array(value[24..<48])
    }

    var bytes: [UInt8] {
        peerChallenge + [UInt8](repeating: 0, count: 8) + ntResponse + [0]
    }
}
