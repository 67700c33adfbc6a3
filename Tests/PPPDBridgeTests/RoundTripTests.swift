import PPPDBridge
import Testing

@Suite struct RoundTripTests {
    @Test(arguments: Samples.all) func roundTrip(_ message: BridgeMessage) throws {
        let bytes = message.encoded()
        #expect(bytes[0] == 1)
        #expect(bytes[1] == message.type.rawValue)
        #expect(Int(bytes[2]) << 8 | Int(bytes[3]) == bytes.count - 4)
        #expect(try decodeAll(bytes) == [message])
        #expect(try message.validated() == bytes)
    }

    @Test func everyTypeHasASample() {
        let covered = Set(Samples.all.map(\.type))
        #expect(covered == Set(BridgeMessageType.allCases))
    }

    @Test func byteAtATime() throws {
        let stream = Samples.all.flatMap { $0.encoded() }
        var deframer = BridgeDeframer()
        var decoded: [BridgeMessage] = []
        for byte in stream {
            decoded += try deframer.feed([byte])
        }
        #expect(decoded == Samples.all)
        #expect(deframer.bufferedByteCount == 0)
    }

    @Test func allAtOnceAndRandomSplits() throws {
        let stream = Samples.all.flatMap { $0.encoded() }
        #expect(try decodeAll(stream) == Samples.all)
        var random = SeededBytes(state: 7)
        for _ in 0..<50 {
            var deframer = BridgeDeframer()
            var decoded: [BridgeMessage] = []
            var offset = 0
            while offset < stream.count {
                let end = min(stream.count, offset + Int(random.next() % 40))
                decoded += try deframer.feed(stream[offset..<end])
                offset = end
            }
            #expect(decoded == Samples.all)
        }
    }

    @Test func partialMessageIsHeld() throws {
        let bytes = BridgeMessage.phase(5).encoded()
        var deframer = BridgeDeframer()
        #expect(try deframer.feed(bytes.dropLast()) == [])
        #expect(deframer.bufferedByteCount == bytes.count - 1)
        #expect(try deframer.feed(bytes.suffix(1)) == [.phase(5)])
        #expect(deframer.bufferedByteCount == 0)
    }

    /// The examples in PROTOCOL.md.
    @Test func documentedExamples() {
        #expect(BridgeMessage.phase(5).encoded() == [0x01, 0x03, 0x00, 0x08, 0x00, 0x06, 0x00, 0x04, 0, 0, 0, 5])
        #expect(BridgeMessage.authAck.encoded() == [0x01, 0x83, 0x00, 0x00])
        #expect(
            BridgeMessage.passwordRequest(user: "alice").encoded()
                == [0x01, 0x02, 0x00, 0x09, 0x00, 0x05, 0x00, 0x05, 0x61, 0x6c, 0x69, 0x63, 0x65])
    }

    /// Tag by tag, so a renumbering shows up here and not only in the C side.
    @Test func ipUpLayout() {
        let bytes = BridgeMessage.ipUp(
            interface: "ppp0", local: [10, 0, 0, 2], peer: [10, 0, 0, 1], dns: [[192, 0, 2, 53]], mtu: 1400
        ).encoded()
        let body =
            attribute(0x0009, Array("ppp0".utf8)) + attribute(0x000A, [10, 0, 0, 2])
            + attribute(0x000B, [10, 0, 0, 1]) + attribute(0x000C, [192, 0, 2, 53])
            + attribute(0x000D, [0, 0, 0x05, 0x78])
        #expect(bytes == rawMessage(0x05, body))
    }

    @Test func unknownAndUnlistedAttributesAreSkipped() throws {
        let body =
            attribute(0x7777, [1, 2, 3]) + attribute(0x0006, [0, 0, 0, 9])
            + attribute(0x0011, Array("not for PHASE".utf8)) + attribute(0xffff, [])
        #expect(try decodeAll(rawMessage(0x03, body)) == [.phase(9)])
        // A wrong length in a skipped tag does not matter either.
        #expect(try decodeAll(rawMessage(0x83, attribute(0x000A, [1]))) == [.authAck])
    }

    @Test func attributeOrderIsFree() throws {
        let body =
            attribute(0x000D, [0, 0, 0x05, 0xdc]) + attribute(0x000C, [8, 8, 4, 4])
            + attribute(0x000A, [10, 1, 1, 1]) + attribute(0x000C, [8, 8, 8, 8])
            + attribute(0x0009, Array("ppp9".utf8))
        let expected = BridgeMessage.ipUp(
            interface: "ppp9", local: [10, 1, 1, 1], peer: nil, dns: [[8, 8, 4, 4], [8, 8, 8, 8]], mtu: 1500)
        #expect(try decodeAll(rawMessage(0x05, body)) == [expected])
    }

    @Test func largestBodyIsAccepted() throws {
        // 4092 = 4 (attribute header) + 4088 bytes of password.
        let password = String(repeating: "p", count: 4088)
        let bytes = BridgeMessage.password(password).encoded()
        #expect(bytes.count == 4096)
        #expect(try decodeAll(bytes) == [.password(password)])
    }
}
