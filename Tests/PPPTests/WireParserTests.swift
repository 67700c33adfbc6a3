import ByteCoding
import PPP
import Testing

/// Malformed input gives typed errors, never a trap (RFC 1661 §2, §5, §6).
@Suite struct WireParserTests {
    func frameError(_ hex: String) -> PPPWireError? {
        do {
            _ = try PPPFrame(parsing: [UInt8](hex: hex) ?? [0xde, 0xad])
            return nil
        } catch {
            return error
        }
    }

    @Test func frames() throws {
        let frame = try PPPFrame(parsing: [UInt8](hex: "ff 03 c0 21 09 01 00 08 00 00 00 00")!)
        #expect(frame.protocolNumber == 0xc021)
        #expect(Array(frame.information) == [UInt8](hex: "09 01 00 08 00 00 00 00")!)
        #expect(frame.serialized() == [UInt8](hex: "ff 03 c0 21 09 01 00 08 00 00 00 00")!)
        // RFC 1661 §6.6 / §6.5: compressed address/control and protocol accepted.
        #expect(try PPPFrame(parsing: [UInt8](hex: "80 21 01")!).protocolNumber == 0x8021)
        #expect(try PPPFrame(parsing: [UInt8](hex: "21 45")!).protocolNumber == 0x0021)
        #expect(try PPPFrame(parsing: [UInt8](hex: "ff 03 57 60")!).protocolNumber == 0x0057)
        #expect(frameError("") == .emptyFrame)
        #expect(frameError("ff 03") == .truncatedProtocolField)
        #expect(frameError("ff 03 c0") == .truncatedProtocolField)
        #expect(frameError("c0") == .truncatedProtocolField)
        // An even low octet is not a protocol (RFC 1661 §2).
        #expect(frameError("ff 03 c0 20 01") == .invalidProtocolField(0xc020))
        #expect(frameError("ff") == .invalidAddressOrControl(control: nil))
        #expect(frameError("ff 05 c0 21") == .invalidAddressOrControl(control: 0x05))
    }

    @Test func frameHeaderClassifiesWithoutAllocating() {
        func classify(_ hex: String) -> UInt16? {
            ([UInt8](hex: hex) ?? []).withUnsafeBytes { PPPFrameHeader.protocol(of: $0) }
        }
        #expect(classify("ff 03 00 21 45 00") == PPPProtocolNumber.ipv4)
        #expect(classify("ff 03 00 57 60 00") == PPPProtocolNumber.ipv6)
        #expect(classify("00 21 45") == PPPProtocolNumber.ipv4)
        #expect(classify("21 45") == PPPProtocolNumber.ipv4)
        #expect(classify("ff 03 c0 21") == PPPProtocolNumber.lcp)
        #expect(classify("ff 03 c0 20") == nil)
        #expect(classify("ff 03") == nil)
        #expect(classify("ff c0 21") == nil)
        #expect(classify("") == nil)
        var header = [UInt8](repeating: 0, count: 4)
        header.withUnsafeMutableBytes {
            PPPFrameHeader.write(protocolNumber: 0x0057, to: $0.baseAddress!)
        }
        #expect(header == [0xff, 0x03, 0x00, 0x57])
    }

    func packetError(_ hex: String) -> PPPWireError? {
        do {
            _ = try PPPControlPacket(parsing: ([UInt8](hex: hex) ?? [])[...])
            return nil
        } catch {
            return error
        }
    }

    @Test func controlPackets() throws {
        // RFC 1661 §5: bytes past Length are padding.
        let padded = try PPPControlPacket(parsing: [UInt8](hex: "02 07 00 06 aa bb cc dd")![...])
        #expect(padded.code == 2)
        #expect(padded.identifier == 7)
        #expect(Array(padded.data) == [0xaa, 0xbb])
        #expect(packetError("01 01 00") == .truncatedPacketHeader(have: 3))
        #expect(packetError("") == .truncatedPacketHeader(have: 0))
        #expect(packetError("01 01 00 03") == .packetLengthTooShort(declared: 3))
        #expect(packetError("01 01 00 00") == .packetLengthTooShort(declared: 0))
        #expect(
            packetError("01 01 00 0a 01 04 05 dc")
                == .packetLengthExceedsFrame(declared: 10, available: 8))
        #expect(
            packetError("01 01 ff ff") == .packetLengthExceedsFrame(declared: 65535, available: 4))
    }

    func optionsError(_ hex: String) -> PPPWireError? {
        do {
            _ = try PPPConfigurationOption.parseList(([UInt8](hex: hex) ?? [])[...])
            return nil
        } catch {
            return error
        }
    }

    @Test func configurationOptions() throws {
        let options = try PPPConfigurationOption.parseList(
            [UInt8](hex: "01 04 05 dc 05 06 d9 9d 45 02 07 02")![...])
        #expect(options.map(\.type) == [1, 5, 7])
        #expect(options[1].data == [0xd9, 0x9d, 0x45, 0x02])
        #expect(
            PPPConfigurationOption.serialize(options) == [UInt8](
                hex: "01 04 05 dc 05 06 d9 9d 45 02 07 02")!)
        #expect(try PPPConfigurationOption.parseList([][...]).isEmpty)
        // A truncated option header, zero- and one-byte lengths, an option
        // longer than the packet.
        #expect(optionsError("01 04 05 dc 05") == .truncatedOptionHeader(offset: 4))
        #expect(optionsError("05 00 00 00") == .optionLengthTooShort(type: 5, length: 0))
        #expect(optionsError("07 01") == .optionLengthTooShort(type: 7, length: 1))
        #expect(
            optionsError("01 04 05 dc 03 09 c2 23")
                == .optionOverrunsPacket(type: 3, length: 9, remaining: 4))
        #expect(optionsError("01 ff") == .optionOverrunsPacket(type: 1, length: 255, remaining: 2))
    }

    @Test(arguments: [
        // Bad lengths, truncated options, zero-length options, options longer
        // than the packet, in each protocol an engine parses.
        "ff 03 c0 21 01 01 00 03", "ff 03 c0 21 01 01 00 20 01 04", "ff 03 c0 21 01 01 00 06 05 00",
        "ff 03 c0 21 01 01 00 08 05 06 00 00", "ff 03 c0 21 01 01 00 07 01 01 00",
        "ff 03 c0 21 02 01 00 06 01 09",
        "ff 03 c0 21 08 01 00 05 80", "ff 03 c0 21 09 01 00 06 00 00",
        "ff 03 80 21 01 01 00 08 03 07 00 00",
        "ff 03 80 57 01 01 00 06 01 00", "ff 03 c0 23 01 01 00 06 09 61",
        "ff 03 c2 23 01 01 00 05 00",
        "ff 03 c2 23 01 01 00 08 10 00 00 00", "ff 03 c2 27 01 01 00 05 1a",
        "ff 03 c2 27 01 01 00 09 1a 01 01 00",
        "ff 03 c2 27 01 01 00 0a 1a 01 01 ff ff 00", "ff 03", "ff", "ff 03 c0",
    ])
    func malformedFramesAreDroppedWithALogLine(_ hex: String) throws {
        // A client with LCP open, authenticating with the method whose
        // protocol the frame carries (PAP otherwise).
        var link = Scripted(
            PPPClient(
                configuration: PPPClientConfiguration(userName: "u", password: "p"),
                random: SeededPPPRandom(seed: 1)))
        let request = try #require(link.feed(.lowerUp).first)
        if hex.hasPrefix("ff 03 c2 23") {
            _ = link.feed(hex: "ff 03 c0 21 01 01 00 09 03 05 c2 23 81")
        } else if hex.hasPrefix("ff 03 c2 27") {
            _ = link.feed(hex: "ff 03 c0 21 01 01 00 08 03 04 c2 27")
        } else {
            _ = link.feed(hex: "ff 03 c0 21 01 01 00 08 03 04 c0 23")
        }
        var ack = request
        ack[4] = 2
        _ = link.feed(.frame(ack))
        #expect(link.engine.lcpState == .opened)
        let before = link.record.logs.count
        let sent = link.feed(hex: hex)
        #expect(sent.isEmpty)
        #expect(link.record.logs.count > before)
        #expect(link.record.linkDowns.isEmpty)
        #expect(link.engine.lcpState == .opened)
    }
}
