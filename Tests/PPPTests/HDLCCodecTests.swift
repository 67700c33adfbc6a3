import ByteCoding
import PPP
import Testing

/// RFC 1662 asynchronous framing, on its own.
@Suite struct HDLCCodecTests {
    static let lcpRequest = [UInt8](hex: "ff 03 c0 21 01 01 00 0e 01 04 05 dc 05 06 d9 9d 45 02")!

    @Test func frameCheckSequenceVectors() {
        // The PPP FCS-16 is CRC-16/X-25: "123456789" gives 0x906e, sent
        // least significant byte first.
        #expect(HDLCFrameCheckSequence.transmitted(for: Array("123456789".utf8)) == [0x6e, 0x90])
        // RFC 1662 §C.2: a frame followed by its FCS gives the good FCS.
        for frame in [Self.lcpRequest, Array("123456789".utf8), [0x7e, 0x7d, 0x00]] {
            let whole = frame + HDLCFrameCheckSequence.transmitted(for: frame)
            #expect(
                HDLCFrameCheckSequence.update(HDLCFrameCheckSequence.initial, with: whole) == 0xf0b8
            )
        }
    }

    @Test func encodeEscapesPerACCM() {
        let codec = HDLCCodec()
        let encoded = codec.encode([0xff, 0x03, 0x7e, 0x7d, 0x11, 0x20])
        // Flags at both ends; 0x03, 0x7e, 0x7d and 0x11 escaped (RFC 1662 §4.2).
        #expect(encoded.first == 0x7e)
        #expect(encoded.last == 0x7e)
        #expect(
            Array(encoded.prefix(11)) == [
                0x7e, 0xff, 0x7d, 0x23, 0x7d, 0x5e, 0x7d, 0x5d, 0x7d, 0x31, 0x20,
            ])
        // With ACCM 0 only the flag and the escape are escaped.
        let raw = HDLCCodec(transmitAsyncMap: 0).encode([0xff, 0x03, 0x7e, 0x7d, 0x11, 0x20])
        #expect(Array(raw.prefix(8)) == [0x7e, 0xff, 0x03, 0x7d, 0x5e, 0x7d, 0x5d, 0x11])
        // No byte between the flags is a flag.
        #expect(!encoded.dropFirst().dropLast().contains(0x7e))
    }

    @Test func roundTripInAnySplit() {
        let random = SeededPPPRandom(seed: 42)
        var frames: [[UInt8]] = [Self.lcpRequest, [0x7e, 0x7e, 0x7d, 0x7d, 0x00, 0x1f, 0x20]]
        for _ in 0..<50 {
            let length = Int(random.bytes(1)[0]) + 2
            frames.append(random.bytes(length))
        }
        for accm: UInt32 in [0, 0xffff_ffff, 0x000a_0000] {
            let encoder = HDLCCodec(transmitAsyncMap: accm)
            let stream = frames.flatMap { encoder.encode($0) }
            // Whole stream in one read: several frames per read.
            var decoder = HDLCCodec()
            #expect(decoder.decode(stream).map { try? $0.get() } == frames)
            // One byte per read, and random splits.
            var byteWise = HDLCCodec()
            var out: [[UInt8]] = []
            for byte in stream { out += byteWise.decode([byte]).compactMap { try? $0.get() } }
            #expect(out == frames)
            var split = HDLCCodec()
            var index = 0
            out = []
            while index < stream.count {
                let take = min(Int(random.bytes(1)[0]) % 40 + 1, stream.count - index)
                out += split.decode(stream[index..<(index + take)]).compactMap { try? $0.get() }
                index += take
            }
            #expect(out == frames)
            #expect(split.bufferedByteCount == 0)
        }
    }

    @Test func backToBackFlagsAreFill() {
        var decoder = HDLCCodec()
        let encoded = HDLCCodec().encode(Self.lcpRequest)
        let results = decoder.decode(
            [0x7e, 0x7e, 0x7e] + encoded + [0x7e, 0x7e] + encoded.dropFirst())
        #expect(results.count == 2)
        #expect(results.allSatisfy { (try? $0.get()) == Self.lcpRequest })
    }

    @Test func badFCSIsDroppedAndTheNextFrameStillDecodes() {
        var encoded = HDLCCodec(transmitAsyncMap: 0).encode(Self.lcpRequest)
        encoded[5] ^= 0x01
        var decoder = HDLCCodec()
        let results = decoder.decode(encoded + HDLCCodec().encode(Self.lcpRequest))
        #expect(results.count == 2)
        #expect(
            results.first.map {
                if case .failure(.badFrameCheckSequence) = $0 { true } else { false }
            } == true)
        #expect((try? results.last?.get()) == Self.lcpRequest)
    }

    @Test func abortTooShortAndTooLong() {
        var decoder = HDLCCodec(maximumFrameLength: 16)
        // RFC 1662 §4.2: 0x7d 0x7e aborts.
        #expect(
            decoder.decode([0x7e, 0xff, 0x03, 0x7d, 0x7e]).map { $0.failureValue } == [.aborted])
        // Fewer than 4 bytes between flags.
        #expect(
            decoder.decode([0x01, 0x02, 0x7e]).map { $0.failureValue } == [
                .frameTooShort(length: 2)
            ])
        // Longer than the limit: one error, the rest up to the flag skipped.
        let long = [UInt8](repeating: 0x41, count: 60) + [0x7e]
        #expect(decoder.decode(long).map { $0.failureValue } == [.frameTooLong(limit: 16)])
        // Then a good frame decodes.
        let small: [UInt8] = [0xff, 0x03, 0xc0, 0x21, 0x05, 0x01, 0x00, 0x04]
        #expect(decoder.decode(HDLCCodec().encode(small)).map { try? $0.get() } == [small])
    }

    @Test func receiveMapDropsInsertedControlCharacters() {
        // XON (0x11) and XOFF (0x13) inserted by the line are dropped when
        // flagged in the receive ACCM (RFC 1662 §7.1).
        var stream = HDLCCodec().encode(Self.lcpRequest)
        stream.insert(0x11, at: 4)
        stream.insert(0x13, at: 9)
        var flagged = HDLCCodec(receiveAsyncMap: 0x000a_0000)
        #expect(flagged.decode(stream).map { try? $0.get() } == [Self.lcpRequest])
        // With the default receive map 0 they count as data: a bad FCS.
        var plain = HDLCCodec()
        #expect(
            plain.decode(stream).first?.failureValue
                == .badFrameCheckSequence(length: Self.lcpRequest.count + 4))
    }
}

extension Result where Failure == HDLCError {
    var failureValue: HDLCError? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
