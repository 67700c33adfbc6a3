import ByteCoding
import Testing

@testable import SSTPWire

/// Every message and attribute of MS-SSTP 2.2 serializes to the spec's bytes
/// and parses back to the same value.
@Suite struct RoundTripTests {
    static let nonce = Array(0..<32).map { UInt8($0) }

    static let messages: [SSTPControlMessage] = [
        .callConnectRequest(CallConnectRequest()),
        .callConnectAck(
            CallConnectAck(
                cryptoBindingRequest: .init(hashProtocols: [.sha1, .sha256], nonce: nonce))),
        .callConnectAck(CallConnectAck(cryptoBindingRequest: .init(hashProtocols: .sha256, nonce: nonce))),
        .callConnectNak(
            CallConnectNak(statusInfos: [
                StatusInfoAttribute(attribID: 1, status: .valueNotSupported, attribValue: [0, 2]),
                StatusInfoAttribute(attribID: 2, status: .requiredAttributeMissing),
            ])),
        .callConnected(
            CallConnected(
                cryptoBinding: .init(
                    hashProtocol: .sha256, nonce: nonce, certHash: Array(repeating: 0xaa, count: 32),
                    compoundMAC: Array(repeating: 0xbb, count: 32)))),
        .callConnected(
            CallConnected(
                cryptoBinding: .init(
                    hashProtocol: .sha1, nonce: nonce, certHash: Array(repeating: 0xaa, count: 20),
                    compoundMAC: Array(repeating: 0xbb, count: 20)))),
        .callAbort(CallAbort()),
        .callAbort(CallAbort(statusInfo: .init(attribID: 3, status: .valueNotSupported))),
        .callDisconnect(CallDisconnect()),
        .callDisconnect(CallDisconnect.windowsStyle),
        .callDisconnectAck(CallDisconnectAck()),
        .echoRequest(EchoRequest()),
        .echoResponse(EchoResponse()),
    ]

    @Test(arguments: messages) func controlRoundTrip(_ message: SSTPControlMessage) throws {
        let bytes = message.serialized()
        #expect(Int(bytes[2] & 0x0f) << 8 | Int(bytes[3]) == bytes.count)
        let parsed = try SSTPPacket(parsing: bytes, options: .strict)
        #expect(parsed == .control(message))
        #expect(try parsed.serialized() == bytes)
    }

    @Test func everyMessageTypeIsCovered() {
        let covered = Set(Self.messages.map(\.messageType))
        #expect(covered == Set(SSTPMessageType.allCases))
    }

    @Test func everyStatusRoundTrips() throws {
        #expect(SSTPStatus.allDefined.count == 12)
        for status in SSTPStatus.allDefined {
            let abort = CallAbort(statusInfo: .init(attribID: 2, status: status))
            let parsed = try SSTPPacket(parsing: abort.serialized(), options: .strict)
            #expect(parsed == .control(.callAbort(abort)))
            #expect(status.specName.hasPrefix("ATTRIB_STATUS_"))
        }
        #expect(Set(SSTPStatus.allDefined.map(\.specName)).count == 12)
    }

    /// The byte strings of MS-SSTP §4.7 and the SoftEther capture.
    @Test func knownBytes() throws {
        #expect(CallConnectRequest().serialized().hexString == "1001000e0001000100010006" + "0001")
        #expect(EchoRequest().serialized().hexString == "1001000800080000")
        #expect(EchoResponse().serialized().hexString == "1001000800090000")
        #expect(CallDisconnect().serialized().hexString == "1001000800060000")
        #expect(CallDisconnectAck().serialized().hexString == "1001000800070000")
        #expect(
            CallDisconnect.windowsStyle.serialized().hexString
                == "10010014000600010002000c0000000000000000")
        let ack = CallConnectAck(cryptoBindingRequest: .init(hashProtocols: .sha256, nonce: Self.nonce))
        #expect(ack.serialized().count == 48)
        #expect(Array(ack.serialized()[0..<16]).hexString == "10010030000200010004002800000002")
    }

    @Test func dataPacketRoundTrip() throws {
        let frame: [UInt8] = [0xff, 0x03, 0xc0, 0x21, 0x09, 0x4d, 0x00, 0x08, 1, 2, 3, 4]
        let packet = SSTPPacket.data(SSTPDataPacket(payload: frame))
        let bytes = try packet.serialized()
        #expect(bytes.hexString == "10000010" + frame.hexString)
        #expect(try SSTPPacket(parsing: bytes) == packet)
        let biggest = SSTPDataPacket(payload: Array(repeating: 7, count: 4091))
        #expect(try biggest.serialized().count == 4095)
        #expect(throws: SSTPWireError.valueTooLong(length: 4092, maximum: 4091)) {
            try SSTPDataPacket(payload: Array(repeating: 7, count: 4092)).serialized()
        }
    }

    @Test func statusValueIsCutTo64Bytes() throws {
        let info = StatusInfoAttribute(
            attribID: 1, status: .valueNotSupported, attribValue: Array(repeating: 1, count: 100))
        #expect(info.attribValue.count == 64)
        let nak = CallConnectNak(statusInfos: [info])
        #expect(nak.serialized().count == 8 + 12 + 64)
    }

    @Test func hashChoicePrefersSHA256() {
        let both = CryptoBindingRequestAttribute(hashProtocols: [.sha1, .sha256], nonce: Self.nonce)
        #expect(both.preferredProtocol() == .sha256)
        #expect(both.preferredProtocol(supported: .sha1) == .sha1)
        let sha1Only = CryptoBindingRequestAttribute(hashProtocols: .sha1, nonce: Self.nonce)
        #expect(sha1Only.preferredProtocol() == .sha1)
        #expect(sha1Only.preferredProtocol(supported: .sha256) == nil)
    }
}
