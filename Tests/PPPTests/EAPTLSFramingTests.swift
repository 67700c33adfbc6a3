import PPP
import Testing

/// EAP-TLS fragmentation and reassembly (RFC 5216 §2.1.5, §3.1), both ends.
@Suite struct EAPTLSFramingTests {
    static let tls: UInt8 = 13

    func packet(_ flags: UInt8, length: UInt32? = nil, data: [UInt8] = [], type: UInt8 = tls) -> [UInt8] {
        var out: [UInt8] = [type, flags]
        if let length {
            out += [
                UInt8(length >> 24), UInt8((length >> 16) & 0xff), UInt8((length >> 8) & 0xff), UInt8(length & 0xff),
            ]
        }
        return out + data
    }

    func error(_ body: () throws(EAPTLSError) -> Void) -> EAPTLSError? {
        do throws(EAPTLSError) {
            try body()
            return nil
        } catch {
            return error
        }
    }

    @Test func shortMessageGoesUnfragmentedWithoutL() {
        var framing = EAPTLSFraming(type: Self.tls, fragmentSize: 10)
        // RFC 5216 §2.1.5: L MUST NOT be set in unfragmented messages.
        #expect(framing.send([1, 2, 3]) == packet(0x00, data: [1, 2, 3]))
        #expect(!framing.isSending)
        #expect(framing.send([]) == packet(0x00))
    }

    @Test func longMessageIsFragmentedAndSentOnePerAck() throws {
        var framing = EAPTLSFraming(type: Self.tls, fragmentSize: 4)
        let message: [UInt8] = Array(1...10)
        #expect(framing.send(message) == packet(0xC0, length: 10, data: [1, 2, 3, 4]))
        #expect(framing.isSending)
        let ack = packet(0x00)
        #expect(try framing.receive(ack[...]) == .sendNext(packet(0x40, data: [5, 6, 7, 8])))
        #expect(try framing.receive(ack[...]) == .sendNext(packet(0x00, data: [9, 10])))
        #expect(!framing.isSending)
    }

    @Test func fragmentsAreAcknowledgedAndJoined() throws {
        var framing = EAPTLSFraming(type: Self.tls)
        #expect(try framing.receive(packet(0xC0, length: 5, data: [1, 2])[...]) == .acknowledge(packet(0x00)))
        #expect(framing.isReceiving)
        #expect(try framing.receive(packet(0x40, data: [3, 4])[...]) == .acknowledge(packet(0x00)))
        #expect(try framing.receive(packet(0x00, data: [5])[...]) == .message([1, 2, 3, 4, 5]))
        #expect(!framing.isReceiving)
    }

    @Test func senderAndReceiverRoundTrip() throws {
        // Our authenticator side sends to our peer side: both directions.
        var server = EAPTLSFraming(type: Self.tls, fragmentSize: 7)
        var peer = EAPTLSFraming(type: Self.tls, fragmentSize: 5)
        let message: [UInt8] = (0..<100).map { UInt8($0) }
        var toPeer = server.send(message)
        var result: [UInt8]?
        for _ in 0..<50 {
            switch try peer.receive(toPeer[...]) {
            case .acknowledge(let ack):
                guard case .sendNext(let next) = try server.receive(ack[...]) else {
                    Issue.record("server did not send the next fragment")
                    return
                }
                toPeer = next
            case .message(let whole):
                result = whole
            default:
                Issue.record("unexpected event")
            }
            if result != nil { break }
        }
        #expect(result == message)
    }

    @Test func unfragmentedMessageIsAcceptedWithOrWithoutL() throws {
        var framing = EAPTLSFraming(type: Self.tls)
        // RFC 5216 §2.1.5: receivers MUST accept both.
        #expect(try framing.receive(packet(0x80, length: 3, data: [7, 8, 9])[...]) == .message([7, 8, 9]))
        #expect(try framing.receive(packet(0x00, data: [7, 8, 9])[...]) == .message([7, 8, 9]))
    }

    @Test func repeatedEqualLOnLaterFragmentIsTolerated() throws {
        var framing = EAPTLSFraming(type: Self.tls)
        _ = try framing.receive(packet(0xC0, length: 4, data: [1, 2])[...])
        #expect(try framing.receive(packet(0x80, length: 4, data: [3, 4])[...]) == .message([1, 2, 3, 4]))
    }

    @Test func firstFragmentWithoutLIsReassembledWithinTheLimit() throws {
        var framing = EAPTLSFraming(type: Self.tls, limits: EAPTLSLimits(maxMessageLength: 5, maxFragments: 8))
        _ = try framing.receive(packet(0x40, data: [1, 2, 3])[...])
        #expect(try framing.receive(packet(0x00, data: [4])[...]) == .message([1, 2, 3, 4]))
        _ = try framing.receive(packet(0x40, data: [1, 2, 3])[...])
        #expect(
            error { () throws(EAPTLSError) in _ = try framing.receive(packet(0x40, data: [4, 5, 6])[...]) }
                == .messageTooLong(declared: 6, limit: 5))
    }

    @Test func startResetsAndReportsVersionBits() throws {
        var framing = EAPTLSFraming(type: 25, version: 0)
        _ = try framing.receive(packet(0xC0, length: 9, data: [1], type: 25)[...])
        #expect(try framing.receive(packet(0x21, type: 25)[...]) == .start(EAPTLSFlags(rawValue: 0x21)))
        #expect(EAPTLSFlags(rawValue: 0x21).version == 1)
        #expect(!framing.isReceiving)
        #expect(framing.startPacket() == packet(0x20, type: 25))
    }

    @Test func peapVersionBitsGoOnEveryPacketWeSend() throws {
        var framing = EAPTLSFraming(type: 25, fragmentSize: 2, version: 1)
        #expect(framing.send([1, 2, 3]) == packet(0xC1, length: 3, data: [1, 2], type: 25))
        #expect(try framing.receive(packet(0x00, type: 25)[...]) == .sendNext(packet(0x01, data: [3], type: 25)))
        #expect(try framing.receive(packet(0x41, data: [9], type: 25)[...]) == .acknowledge(packet(0x01, type: 25)))
    }

    @Test func malformedTrainsGiveTypedErrors() {
        let tls = Self.tls
        func fresh() -> EAPTLSFraming {
            EAPTLSFraming(type: tls, limits: EAPTLSLimits(maxMessageLength: 64, maxFragments: 3))
        }
        var f = fresh()
        #expect(error { () throws(EAPTLSError) in _ = try f.receive([tls][...]) } == .missingFlags)
        #expect(error { () throws(EAPTLSError) in _ = try f.receive([][...]) } == .missingFlags)
        #expect(
            error { () throws(EAPTLSError) in _ = try f.receive([tls, 0x80, 0, 0][...]) }
                == .truncatedMessageLength(have: 2))
        #expect(
            error { () throws(EAPTLSError) in _ = try f.receive(packet(0x00, type: 25)[...]) }
                == .unexpectedType(expected: tls, received: 25))
        // A TLS Message Length over the bound.
        #expect(
            error { () throws(EAPTLSError) in _ = try f.receive(self.packet(0xC0, length: 65, data: [1])[...]) }
                == .messageTooLong(declared: 65, limit: 64))
        // M with no data.
        #expect(
            error { () throws(EAPTLSError) in _ = try f.receive(self.packet(0xC0, length: 4)[...]) }
                == .moreFragmentsWithoutData)
        #expect(
            error { () throws(EAPTLSError) in _ = try f.receive(self.packet(0x40)[...]) } == .moreFragmentsWithoutData)
        // L = 0 with M.
        #expect(
            error { () throws(EAPTLSError) in _ = try f.receive(self.packet(0xC0, length: 0, data: [1])[...]) }
                == .zeroLengthFragmentedMessage)
        // More data than L said.
        f = fresh()
        #expect(
            error { () throws(EAPTLSError) in
                _ = try f.receive(self.packet(0xC0, length: 3, data: [1, 2])[...])
                _ = try f.receive(self.packet(0x00, data: [3, 4])[...])
            } == .fragmentsExceedMessageLength(declared: 3, received: 4))
        // The last fragment leaves the message short.
        f = fresh()
        #expect(
            error { () throws(EAPTLSError) in
                _ = try f.receive(self.packet(0xC0, length: 9, data: [1, 2])[...])
                _ = try f.receive(self.packet(0x00, data: [3])[...])
            } == .fragmentsShortOfMessageLength(declared: 9, received: 3))
        // An unfragmented message whose L disagrees with its data.
        f = fresh()
        #expect(
            error { () throws(EAPTLSError) in _ = try f.receive(self.packet(0x80, length: 2, data: [1])[...]) }
                == .fragmentsShortOfMessageLength(declared: 2, received: 1))
        // A later fragment announcing another length.
        f = fresh()
        #expect(
            error { () throws(EAPTLSError) in
                _ = try f.receive(self.packet(0xC0, length: 9, data: [1, 2])[...])
                _ = try f.receive(self.packet(0xC0, length: 10, data: [3])[...])
            } == .messageLengthChanged(first: 9, now: 10))
        // Too many fragments.
        f = fresh()
        #expect(
            error { () throws(EAPTLSError) in
                _ = try f.receive(self.packet(0xC0, length: 20, data: [1])[...])
                for _ in 0..<5 { _ = try f.receive(self.packet(0x40, data: [1])[...]) }
            } == .tooManyFragments(limit: 3))
        // Data where only an ACK may come.
        var sender = EAPTLSFraming(type: tls, fragmentSize: 1)
        _ = sender.send([1, 2, 3])
        #expect(
            error { () throws(EAPTLSError) in _ = try sender.receive(self.packet(0x00, data: [9])[...]) }
                == .dataWhileAwaitingAcknowledgement)
    }

    @Test func afterAnErrorTheNextMessageStartsClean() throws {
        var f = EAPTLSFraming(type: Self.tls)
        _ = try f.receive(packet(0xC0, length: 3, data: [1, 2])[...])
        #expect(throws: EAPTLSError.self) { _ = try f.receive(packet(0x00, data: [3, 4])[...]) }
        #expect(try f.receive(packet(0x00, data: [5])[...]) == .message([5]))
    }
}
