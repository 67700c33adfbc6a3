import PPPDBridge
import Testing

@Suite struct MalformedInputTests {
    static let phaseBody = attribute(0x0006, [0, 0, 0, 5])

    /// One input per rule, each with its own typed error.
    static let cases: [(String, [UInt8], BridgeError)] = [
        ("version 2", rawMessage(0x03, phaseBody, version: 2), .unsupportedVersion(2)),
        ("version 0", [0], .unsupportedVersion(0)),
        ("type 0x08", rawMessage(0x08, []), .unknownMessageType(0x08)),
        ("type 0x00", [1, 0], .unknownMessageType(0)),
        ("body 4093", [1, 0x03, 0x0f, 0xfd], .bodyTooLong(4093)),
        ("body 0xffff", [1, 0x81, 0xff, 0xff], .bodyTooLong(0xffff)),
        ("short attribute header", rawMessage(0x03, [0x00, 0x06, 0x00]), .truncatedAttribute(.phase, offset: 0)),
        (
            "value past the body", rawMessage(0x03, phaseBody + [0x00, 0x06, 0x00, 0x05, 0, 0, 0, 0]),
            .truncatedAttribute(.phase, offset: 8)
        ),
        ("u32 of 3 bytes", rawMessage(0x03, attribute(0x0006, [0, 0, 5])), .badAttributeLength(.phase, length: 3)),
        (
            "u8 of 2 bytes", rawMessage(0x01, attribute(0x0003, [0, 1])),
            .badAttributeLength(.protocolVersion, length: 2)
        ),
        (
            "key of 15 bytes", rawMessage(0x04, attribute(0x0007, Array(repeating: 1, count: 15))),
            .badAttributeLength(.mppeSendKey, length: 15)
        ),
        (
            "key of 0 bytes", rawMessage(0x04, attribute(0x0008, [])),
            .badAttributeLength(.mppeReceiveKey, length: 0)
        ),
        (
            "IPv4 of 16 bytes",
            rawMessage(0x05, attribute(0x0009, [0x70]) + attribute(0x000A, Array(repeating: 1, count: 16))),
            .badAttributeLength(.localIPv4, length: 16)
        ),
        (
            "identifier of 7 bytes",
            rawMessage(0x06, attribute(0x0009, [0x70]) + attribute(0x000E, Array(repeating: 1, count: 7))),
            .badAttributeLength(.localInterfaceIdentifier, length: 7)
        ),
        ("PHASE twice", rawMessage(0x03, phaseBody + phaseBody), .duplicateAttribute(.phase, .phase)),
        (
            "AUTH_UP with two send keys",
            rawMessage(0x04, attribute(0x0007, Samples.sendKey) + attribute(0x0007, Samples.sendKey)),
            .duplicateAttribute(.authUp, .mppeSendKey)
        ),
        ("PHASE without PHASE", rawMessage(0x03, []), .missingAttribute(.phase, .phase)),
        (
            "HELLO without PID",
            rawMessage(0x01, attribute(0x0001, Array("2.4.9".utf8)) + attribute(0x0003, [1])),
            .missingAttribute(.hello, .pid)
        ),
        ("PASSWORD empty body", rawMessage(0x81, []), .missingAttribute(.password, .password)),
        ("FAILURE without REASON", rawMessage(0x84, []), .missingAttribute(.failure, .reason)),
        (
            "IP_UP without MTU",
            rawMessage(0x05, attribute(0x0009, [0x70]) + attribute(0x000A, [10, 0, 0, 1])),
            .missingAttribute(.ipUp, .mtu)
        ),
        ("user not UTF-8", rawMessage(0x02, attribute(0x0005, [0x61, 0xff])), .invalidUTF8(.user)),
        ("truncated UTF-8", rawMessage(0x82, attribute(0x0012, [0xc3])), .invalidUTF8(.reason)),
        ("NUL in password", rawMessage(0x81, attribute(0x0011, [0x61, 0x00, 0x62])), .nulInString(.password)),
        (
            "local 0.0.0.0",
            rawMessage(
                0x05, attribute(0x0009, [0x70]) + attribute(0x000A, [0, 0, 0, 0]) + attribute(0x000D, [0, 0, 0, 1])),
            .zeroAddress(.localIPv4)
        ),
        (
            "DNS 0.0.0.0",
            rawMessage(
                0x05,
                attribute(0x0009, [0x70]) + attribute(0x000A, [10, 0, 0, 1]) + attribute(0x000C, [0, 0, 0, 0])
                    + attribute(0x000D, [0, 0, 0, 1])),
            .zeroAddress(.dnsIPv4)
        ),
        (
            "zero peer identifier",
            rawMessage(
                0x06,
                attribute(0x0009, [0x70]) + attribute(0x000E, [0, 0, 0, 0, 0, 0, 0, 1])
                    + attribute(0x000F, Array(repeating: 0, count: 8))),
            .zeroAddress(.peerInterfaceIdentifier)
        ),
    ]

    @Test(arguments: 0..<cases.count) func refused(_ index: Int) {
        let (name, bytes, expected) = Self.cases[index]
        #expect(throws: expected, "\(name)") { try decodeAll(bytes) }
        // Byte at a time finds the same error, never a different one.
        var deframer = BridgeDeframer()
        var caught: BridgeError?
        for byte in bytes where caught == nil {
            do { _ = try deframer.feed([byte]) } catch { caught = error }
        }
        #expect(caught == expected, "\(name), byte at a time")
    }

    @Test func everyErrorHasItsOwnCase() {
        let errors = Self.cases.map(\.2)
        // The case name: a payload case reflects as one child labelled by it.
        let kinds = Set(errors.compactMap { Mirror(reflecting: $0).children.first?.label })
        #expect(kinds.count == 10)
        for error in errors {
            #expect(error.description.hasPrefix("pppd bridge: "))
        }
        #expect(
            BridgeError.missingAttribute(.hello, .pid).description == "pppd bridge: HELLO lacks the required PID")
    }

    @Test func versionAndTypeAreCheckedEarly() {
        var deframer = BridgeDeframer()
        #expect(throws: BridgeError.unsupportedVersion(9)) { try deframer.feed([9]) }
        var other = BridgeDeframer()
        #expect(throws: Never.self) { try other.feed([1]) }
        #expect(throws: BridgeError.unknownMessageType(0x7f)) { try other.feed([0x7f]) }
    }

    @Test func errorsAreSticky() throws {
        var deframer = BridgeDeframer()
        #expect(try deframer.feed(BridgeMessage.authAck.encoded()) == [.authAck])
        #expect(throws: BridgeError.unsupportedVersion(2)) { try deframer.feed([2]) }
        #expect(throws: BridgeError.unsupportedVersion(2)) { try deframer.feed(BridgeMessage.authAck.encoded()) }
        #expect(throws: BridgeError.unsupportedVersion(2)) { try deframer.feed([]) }
        #expect(deframer.bufferedByteCount == 0)
    }

    @Test func goodMessagesBeforeABadOneInTheSameFeedAreDropped() {
        var deframer = BridgeDeframer()
        let bytes = BridgeMessage.authAck.encoded() + [1, 0x55]
        #expect(throws: BridgeError.unknownMessageType(0x55)) { try deframer.feed(bytes) }
    }

    @Test func oversizeValuesEncodeToRefusedBytes() {
        let long = BridgeMessage.password(String(repeating: "x", count: 5000))
        let bytes = long.encoded()
        #expect(bytes[2] == 0xff && bytes[3] == 0xff)
        #expect(throws: BridgeError.bodyTooLong(0xffff)) { try long.validated() }
        #expect(throws: BridgeError.bodyTooLong(0xffff)) { try decodeAll(bytes) }
        // Over 65535 bytes in one attribute: its length saturates as well.
        let huge = BridgeMessage.failure(String(repeating: "y", count: 70000)).encoded()
        #expect(Array(huge[4..<8]) == [0x00, 0x12, 0xff, 0xff])
        #expect(throws: BridgeError.bodyTooLong(0xffff)) { try decodeAll(huge) }
    }

    @Test func validatedNamesTheBrokenRule() {
        #expect(throws: BridgeError.badAttributeLength(.mppeSendKey, length: 3)) {
            try BridgeMessage.authUp(sendKey: [1, 2, 3], receiveKey: nil).validated()
        }
        #expect(throws: BridgeError.nulInString(.password)) { try BridgeMessage.password("a\u{0}b").validated() }
        #expect(throws: BridgeError.zeroAddress(.dnsIPv4)) {
            try BridgeMessage.ipUp(interface: "ppp0", local: [10, 0, 0, 1], peer: nil, dns: [[0, 0, 0, 0]], mtu: 1)
                .validated()
        }
        #expect(throws: BridgeError.badAttributeLength(.peerInterfaceIdentifier, length: 16)) {
            try BridgeMessage.ipv6Up(
                interface: "ppp0", localIdentifier: [1, 2, 3, 4, 5, 6, 7, 8],
                peerIdentifier: Array(repeating: 1, count: 16)
            ).validated()
        }
    }

    /// Random bytes, half of them behind a valid header: an error or
    /// messages, never a trap, and a bounded buffer.
    @Test func randomInputNeverTraps() {
        var random = SeededBytes(state: 0xb41d)
        for round in 0..<3000 {
            var bytes = (0..<(round % 200)).map { _ in random.next() }
            if round % 2 == 0, bytes.count >= 4 {
                bytes[0] = 1
                bytes[1] = BridgeMessageType.allCases[round % BridgeMessageType.allCases.count].rawValue
                bytes[2] = 0
                bytes[3] = UInt8(bytes.count - 4)
            }
            var deframer = BridgeDeframer()
            if let messages = try? deframer.feed(bytes) {
                for message in messages {
                    #expect((try? decodeAll(message.encoded())) == [message])
                }
                #expect(deframer.bufferedByteCount < 4096)
            }
        }
    }
}
