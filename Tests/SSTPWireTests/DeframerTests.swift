import ByteCoding
import Testing

@testable import SSTPWire

/// The deframer yields the same packets whatever the split of the stream.
@Suite struct DeframerTests {
    /// Packets of the SoftEther exchange in shared/notes/softether-exchange.md
    /// (server to client), with a 32-byte nonce filled in.
    static let capturedStream: [UInt8] = {
        let packets = [
            "10010030000200010004002800000002" + String(repeating: "5a", count: 32),
            "10000010ff03c021010000080304c023",
            "10000012ff03c0210401000a0506d99d4502",
            "10000010ff03c021020200080104 05dc",
            "1000000cff03c02302010004",
            "1001000800080000",
            "10000012ff03802101010 00a03060100 0001",
            "10000012ff0380210 40b000a8306000 00000",
            "10000018ff038021030c001003 06c0a81e0a8106c0a81e01",
            "10000018ff038021020d001003 06c0a81e0a8106c0a81e01",
            "10000014ff03c0210a4d000cd99d4502 70696e67",
            "1001000800070000",
        ]
        return packets.flatMap { [UInt8](hex: $0) ?? [] }
    }()

    @Test func byteAtATimeEqualsAllAtOnce() throws {
        var whole = SSTPDeframer(options: .strict)
        let all = try whole.feed(Self.capturedStream)
        #expect(all.count == 12)
        var single = SSTPDeframer(options: .strict)
        var one: [SSTPPacket] = []
        for byte in Self.capturedStream {
            one += try single.feed([byte])
            #expect(single.bufferedByteCount < sstpMaxPacketLength)
        }
        #expect(one == all)
        #expect(single.bufferedByteCount == 0)
        // The first and the last packets are what the capture says.
        #expect(all.first?.description == "SSTP_MSG_CALL_CONNECT_ACK")
        #expect(all.last == .control(.callDisconnectAck(CallDisconnectAck())))
    }

    @Test func everySplitPointGivesTheSamePackets() throws {
        var reference = SSTPDeframer()
        let expected = try reference.feed(Self.capturedStream)
        for cut in stride(from: 1, to: Self.capturedStream.count, by: 7) {
            var deframer = SSTPDeframer()
            var got = try deframer.feed(Self.capturedStream[..<cut])
            got += try deframer.feed(Self.capturedStream[cut...])
            #expect(got == expected, "split at \(cut)")
        }
    }

    @Test func randomChunksGiveTheSamePackets() throws {
        var reference = SSTPDeframer()
        let expected = try reference.feed(Self.capturedStream)
        var rng = SplitMix(seed: 42)
        for _ in 0..<200 {
            var deframer = SSTPDeframer()
            var got: [SSTPPacket] = []
            var offset = 0
            while offset < Self.capturedStream.count {
                let n = Int(rng.next() % 40) + 1
                let end = min(offset + n, Self.capturedStream.count)
                got += try deframer.feed(Self.capturedStream[offset..<end])
                offset = end
            }
            #expect(got == expected)
        }
    }

    @Test func framesAreHandedOutInPlace() throws {
        // The zero-copy path: frames come straight from the caller's buffer
        // when they are whole in it.
        var deframer = SSTPDeframer()
        var count = 0
        try Self.capturedStream.withUnsafeBytes { raw in
            try deframer.feed(raw) { frame in
                let base = try #require(raw.baseAddress)
                let start = try #require(frame.bytes.baseAddress)
                #expect(start >= base && start < base + raw.count)
                count += 1
            }
        }
        #expect(count == 12)
    }

    @Test func delineationFailureIsSticky() throws {
        var deframer = SSTPDeframer()
        #expect(throws: SSTPWireError.badVersion(0x20)) {
            _ = try deframer.feed([0x20, 0x00, 0x00, 0x08])
        }
        // Even good bytes fail afterwards: §3.1.5.1 says drop the connection.
        #expect(throws: SSTPWireError.badVersion(0x20)) {
            _ = try deframer.feed(EchoRequest().serialized())
        }
    }

    @Test func badHeaderInATailIsReportedEarly() {
        var deframer = SSTPDeframer()
        let bytes = EchoRequest().serialized() + [0x10, 0x01, 0x00, 0x02]
        #expect(throws: SSTPWireError.packetLengthTooShort(declared: 2, minimum: 8)) {
            _ = try deframer.feed(bytes)
        }
    }
}

/// A small deterministic generator for tests.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
