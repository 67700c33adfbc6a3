import PPP
import SSTPFuzzBodies
import Testing

/// The fuzz bodies over a few thousand seeded random inputs each. Each
/// must return (never trap), and the link invariants must hold.
@Suite struct FuzzTests {
    static func inputs(seed: UInt64, count: Int, maxLength: Int) -> [[UInt8]] {
        let random = SeededPPPRandom(seed: seed)
        return (0..<count).map { _ in
            let length = Int(random.bytes(2).reduce(0) { $0 << 8 | Int($1) }) % (maxLength + 1)
            return random.bytes(length)
        }
    }

    /// Random bytes and valid frames with a byte changed or cut short.
    static func frameInputs() -> [[UInt8]] {
        let seeds: [[UInt8]] = [
            [
                0xff, 0x03, 0xc0, 0x21, 0x01, 0x01, 0x00, 0x0e, 0x01, 0x04, 0x05, 0xdc, 0x05, 0x06,
                0xd9, 0x9d, 0x45,
                0x02,
            ],
            [
                0xff, 0x03, 0x80, 0x21, 0x03, 0x0c, 0x00, 0x10, 0x03, 0x06, 0xc0, 0xa8, 0x1e, 0x0a,
                0x81, 0x06, 0xc0,
                0xa8, 0x1e, 0x01,
            ],
            [
                0xff, 0x03, 0xc0, 0x23, 0x01, 0x01, 0x00, 0x0c, 0x03, 0x61, 0x62, 0x63, 0x02, 0x70,
                0x77, 0x00,
            ],
        ]
        let random = SeededPPPRandom(seed: 17)
        var out = inputs(seed: 1, count: 3000, maxLength: 64)
        for seed in seeds {
            for _ in 0..<300 {
                var frame = seed
                let choice = random.bytes(3)
                frame[Int(choice[0]) % frame.count] = choice[1]
                out.append(Array(frame.prefix(Int(choice[2]) % (frame.count + 1))))
            }
        }
        return out
    }

    @Test func frameParsers() {
        for input in Self.frameInputs() { fuzzPPPFrame(input) }
    }

    @Test func hdlc() {
        var failures = 0
        for input in Self.inputs(seed: 2, count: 3000, maxLength: 200) {
            fuzzHDLC(input)
            failures += runHDLCFuzz(input).hdlcRoundTripFailures
        }
        #expect(failures == 0)
    }

    func checkLink(_ target: PPPFuzzTarget, seed: UInt64) {
        var upCount = 0
        for input in Self.inputs(seed: seed, count: 2000, maxLength: 160) {
            let report = runPPPFuzzLink(input, target: target)
            #expect(report.clientLinkDowns <= 1)
            #expect(report.serverLinkDowns <= 1)
            #expect(report.actionsAfterLinkDown == 0)
            #expect(report.badlyFramedSends == 0)
            if report.clientUp && report.serverUp { upCount += 1 }
        }
        // The inputs reach deep states: many runs bring IPCP up on both ends.
        #expect(upCount > 100)
    }

    @Test func clientEngine() {
        checkLink(.client, seed: 3)
        for input in Self.inputs(seed: 4, count: 500, maxLength: 300) { fuzzPPPClient(input) }
    }

    @Test func serverEngine() {
        checkLink(.server, seed: 5)
        for input in Self.inputs(seed: 6, count: 500, maxLength: 300) { fuzzPPPServer(input) }
    }

    /// Random frames straight into a lone client and a lone server, with
    /// time moving: every frame type at every stage, never a crash or a
    /// second terminal action.
    @Test func loneEnginesFedRandomFrames() {
        let random = SeededPPPRandom(seed: 8)
        let protocols: [[UInt8]] = [
            [0xc0, 0x21], [0xc0, 0x23], [0xc2, 0x23], [0xc2, 0x27], [0x80, 0x21], [0x80, 0x57],
            [0x80, 0xfd],
        ]
        for round in 0..<200 {
            var client = PPPClient(
                configuration: PPPClientConfiguration(userName: "u", password: "p"),
                random: SeededPPPRandom(seed: UInt64(round)))
            var server = PPPServer(
                configuration: PPPServerConfiguration(
                    users: ["u": "p"], localIPv4: IPv4Address(10, 0, 0, 1),
                    peerIPv4: IPv4Address(10, 0, 0, 2)),
                random: SeededPPPRandom(seed: UInt64(round)))
            var downs = 0
            var now: Duration = .zero
            let count = { (actions: [PPPAction]) in
                actions.filter { if case .linkDown = $0 { true } else { false } }.count
            }
            downs +=
                count(client.handle(.lowerUp, now: now)) + count(server.handle(.lowerUp, now: now))
            for _ in 0..<60 {
                let pick = random.bytes(3)
                let body = random.bytes(Int(pick[1]) % 40)
                let frame = [0xff, 0x03] + protocols[Int(pick[0]) % protocols.count] + body
                now += .milliseconds(Int(pick[2]) * 50)
                downs +=
                    count(client.handle(.frame(frame), now: now))
                    + count(server.handle(.frame(frame), now: now))
                for timer in [
                    PPPTimer.lcpRestart, .ipcpRestart, .ipv6cpRestart, .authenticationRetransmit,
                    .authenticationTimeout, .lcpEcho,
                ]
                where pick[2] % 7 == 0 {
                    downs +=
                        count(client.handle(.timerExpired(timer), now: now))
                        + count(server.handle(.timerExpired(timer), now: now))
                }
            }
            downs +=
                count(client.handle(.lowerDown, now: now))
                + count(server.handle(.lowerDown, now: now))
            // Each end says down exactly once.
            #expect(downs == 2)
        }
    }
}
