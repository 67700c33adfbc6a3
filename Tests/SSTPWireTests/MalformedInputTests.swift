import ByteCoding
import Testing

@testable import SSTPWire

/// Malformed inputs, each rejected with the typed error that names the rule
/// it breaks (MS-SSTP 2.2), never a trap.
@Suite struct MalformedInputTests {
    /// A control packet with the given type and raw attribute bytes; the
    /// lengths are computed unless overridden.
    static func control(
        _ type: UInt16, _ attributes: [[UInt8]] = [], count: Int? = nil, length: Int? = nil,
        headerByte1: UInt8 = 0x01
    ) -> [UInt8] {
        let body = attributes.flatMap { $0 }
        var bytes: [UInt8] = [0x10, headerByte1, 0, 0]
        bytes.appendUInt16(type)
        bytes.appendUInt16(UInt16(count ?? attributes.count))
        bytes += body
        bytes.setUInt16(UInt16(length ?? bytes.count), at: 2)
        return bytes
    }

    /// An attribute with the given ID and value; length computed unless overridden.
    static func attribute(_ id: UInt8, _ value: [UInt8], length: Int? = nil, reserved: UInt8 = 0)
        -> [UInt8]
    {
        var bytes: [UInt8] = [reserved, id]
        bytes.appendUInt16(UInt16(length ?? value.count + 4))
        return bytes + value
    }

    static let protocolPPP = attribute(1, [0, 1])
    static let status = attribute(2, [0, 0, 0, 0, 0, 0, 0, 0])
    static let nonce = [UInt8](repeating: 0x33, count: 32)

    static func binding(proto: UInt8, hash: [UInt8], mac: [UInt8]) -> [UInt8] {
        attribute(3, [0, 0, 0, proto] + nonce + hash + mac)
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var bytes: [UInt8]
        var options: SSTPParseOptions = .default
        var error: SSTPWireError
        var testDescription: String { name }
    }

    static let sha1Pad = [UInt8](repeating: 0, count: 12)
    static let cases: [Case] = [
        Case(name: "empty input", bytes: [], error: .truncatedHeader(have: 0)),
        Case(name: "two bytes", bytes: [0x10, 0x01], error: .truncatedHeader(have: 2)),
        Case(name: "version 1.1", bytes: [0x11, 0x01, 0x00, 0x08, 0, 8, 0, 0], error: .badVersion(0x11)),
        Case(name: "version 2.0", bytes: [0x20, 0x00, 0x00, 0x05, 0xff], error: .badVersion(0x20)),
        Case(
            name: "header reserved bits", bytes: control(8, headerByte1: 0x03), options: .strict,
            error: .reservedBitsSet(.packetHeader)),
        Case(
            name: "length reserved bits", bytes: [0x10, 0x01, 0x10, 0x08, 0, 8, 0, 0], options: .strict,
            error: .reservedBitsSet(.packetLength)),
        Case(
            name: "control length below 8", bytes: [0x10, 0x01, 0x00, 0x06, 0, 8],
            error: .packetLengthTooShort(declared: 6, minimum: 8)),
        Case(
            name: "data length below 4", bytes: [0x10, 0x00, 0x00, 0x03],
            error: .packetLengthTooShort(declared: 3, minimum: 4)),
        Case(
            name: "length says more than given", bytes: control(8, length: 12),
            error: .lengthMismatch(declared: 12, actual: 8)),
        Case(
            name: "length says less than given", bytes: control(8, length: 8) + [0, 0],
            error: .lengthMismatch(declared: 8, actual: 10)),
        Case(name: "data packet without frame", bytes: [0x10, 0x00, 0x00, 0x04], error: .emptyDataPacket),
        Case(name: "message type 0x000a", bytes: control(0x000a), error: .unknownMessageType(0x000a)),
        Case(name: "message type 0", bytes: control(0), error: .unknownMessageType(0)),
        Case(
            name: "attribute counted but absent", bytes: control(1, count: 1),
            error: .truncatedAttribute(index: 0)),
        Case(
            name: "attribute length below header", bytes: control(1, [attribute(1, [], length: 2)]),
            error: .attributeLengthTooShort(attributeID: 1, length: 2)),
        Case(
            name: "second attribute runs past packet",
            bytes: control(1, [protocolPPP, attribute(1, [0, 1], length: 9)]),
            error: .truncatedAttribute(index: 1)),
        Case(
            name: "bytes after last attribute", bytes: control(1, [protocolPPP, [0, 0]], count: 1),
            error: .trailingBytes(count: 2)),
        Case(
            name: "unknown attribute 5", bytes: control(1, [attribute(5, [0, 1])]),
            error: .unknownAttribute(5)),
        Case(
            name: "protocol ID of length 8", bytes: control(1, [attribute(1, [0, 1, 0, 0])]),
            error: .attributeLengthNotAllowed(attributeID: 1, length: 8)),
        Case(
            name: "status info of length 11", bytes: control(5, [attribute(2, [0, 0, 0, 0, 0, 0, 0])]),
            error: .attributeLengthNotAllowed(attributeID: 2, length: 11)),
        Case(
            name: "status info value of 65 bytes",
            bytes: control(3, [attribute(2, [UInt8](repeating: 0, count: 8 + 65))]),
            error: .attributeLengthNotAllowed(attributeID: 2, length: 77)),
        Case(
            name: "binding request of length 36",
            bytes: control(2, [attribute(4, [0, 0, 0, 2] + [UInt8](repeating: 0, count: 28))]),
            error: .attributeLengthNotAllowed(attributeID: 4, length: 36)),
        Case(
            name: "binding of length 100",
            bytes: control(4, [attribute(3, [UInt8](repeating: 0, count: 96))]),
            error: .attributeLengthNotAllowed(attributeID: 3, length: 100)),
        Case(
            name: "connect request without attribute", bytes: control(1),
            error: .wrongAttributeCount(message: .callConnectRequest, found: 0, allowed: 1...1)),
        Case(
            name: "connect nak without attribute", bytes: control(3),
            error: .wrongAttributeCount(message: .callConnectNak, found: 0, allowed: 1...340)),
        Case(
            name: "status info in echo request", bytes: control(8, [status]),
            error: .attributeNotAllowedInMessage(attributeID: 2, message: .echoRequest)),
        Case(
            name: "status info in disconnect ack", bytes: control(7, [status]),
            error: .attributeNotAllowedInMessage(attributeID: 2, message: .callDisconnectAck)),
        Case(
            name: "binding request in call connected",
            bytes: control(4, [attribute(4, [0, 0, 0, 2] + nonce)]),
            error: .attributeNotAllowedInMessage(attributeID: 4, message: .callConnected)),
        Case(
            name: "protocol ID twice", bytes: control(1, [protocolPPP, protocolPPP]),
            error: .duplicateAttribute(1)),
        Case(
            name: "two status infos in abort", bytes: control(5, [status, status]),
            error: .duplicateAttribute(2)),
        Case(
            name: "no hash bit offered", bytes: control(2, [attribute(4, [0, 0, 0, 0] + nonce)]),
            error: .noHashProtocolOffered(bitmask: 0)),
        Case(
            name: "only an unknown hash bit", bytes: control(2, [attribute(4, [0, 0, 0, 4] + nonce)]),
            error: .noHashProtocolOffered(bitmask: 4)),
        Case(
            name: "binding with hash protocol 3",
            bytes: control(4, [binding(proto: 3, hash: nonce, mac: nonce)]),
            error: .invalidHashProtocol(3)),
        Case(
            name: "binding with hash protocol 0",
            bytes: control(4, [binding(proto: 0, hash: nonce, mac: nonce)]),
            error: .invalidHashProtocol(0)),
        Case(
            name: "SHA-1 cert hash not padded",
            bytes: control(4, [binding(proto: 1, hash: nonce, mac: Array(nonce.prefix(20)) + sha1Pad)]),
            error: .nonZeroPadding(field: .certHash)),
        Case(
            name: "SHA-1 MAC not padded",
            bytes: control(4, [binding(proto: 1, hash: Array(nonce.prefix(20)) + sha1Pad, mac: nonce)]),
            error: .nonZeroPadding(field: .compoundMAC)),
        Case(
            name: "attribute reserved byte", bytes: control(1, [attribute(1, [0, 1], reserved: 1)]),
            options: .strict, error: .reservedBitsSet(.attributeReserved)),
        Case(
            name: "attribute length reserved bits", bytes: control(1, [[0, 1, 0x80, 0x06, 0, 1]]),
            options: .strict, error: .reservedBitsSet(.attributeLength)),
        Case(
            name: "binding request reserved bytes", bytes: control(2, [attribute(4, [0, 9, 0, 2] + nonce)]),
            options: .strict, error: .reservedBitsSet(.valueReserved)),
    ]

    @Test(arguments: cases) func rejected(_ c: Case) {
        #expect(throws: c.error) {
            _ = try SSTPPacket(parsing: c.bytes, options: c.options)
        }
    }

    @Test func atLeastTwentyFiveDistinctErrors() {
        #expect(Set(Self.cases.map(\.error)).count == Self.cases.count)
        #expect(Self.cases.count >= 25)
    }

    /// §2.2.1/§2.2.4: by default reserved bits are ignored on receipt, as
    /// SoftEther's reserved 0x01 in an attribute shows.
    @Test func reservedBitsIgnoredByDefault() throws {
        let bytes = Self.control(1, [Self.attribute(1, [0, 1], reserved: 1)], headerByte1: 0x03)
        #expect(try SSTPPacket(parsing: bytes) == .control(.callConnectRequest(CallConnectRequest())))
    }

    /// sstpd's Status Info of length 8 (Status only, no Reserved1/AttribID)
    /// is read by default and refused in strict mode.
    @Test func shortStatusInfoOnlyWhenLenient() throws {
        let bytes = Self.control(5, [Self.attribute(2, [0, 0, 0, 7])])
        #expect(
            try SSTPPacket(parsing: bytes)
                == .control(.callAbort(CallAbort(statusInfo: .init(attribID: 0, status: .invalidFrameReceived)))))
        #expect(throws: SSTPWireError.attributeLengthNotAllowed(attributeID: 2, length: 8)) {
            _ = try SSTPPacket(parsing: bytes, options: .strict)
        }
    }

    /// The server's NAK mapping of MS-SSTP 3.3.5.2.2.
    @Test func errorsMapToNakStatus() {
        #expect(SSTPWireError.duplicateAttribute(1).statusInfo == (1, .duplicateAttribute))
        #expect(SSTPWireError.unknownAttribute(9).statusInfo == (9, .unrecognizedAttribute))
        #expect(
            SSTPWireError.attributeLengthNotAllowed(attributeID: 1, length: 8).statusInfo
                == (1, .invalidAttribValueLength))
        #expect(
            SSTPWireError.wrongAttributeCount(message: .callConnectRequest, found: 0, allowed: 1...1)
                .statusInfo == (2, .requiredAttributeMissing))
    }

    @Test func descriptionsNameTheRule() {
        for c in Self.cases {
            #expect(c.error.description.contains("MS-SSTP"), "\(c.name)")
        }
    }
}
