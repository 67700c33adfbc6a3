import PPP
import SSTPCall
import SSTPSession
import SSTPWire
import XCTest

/// Hands out fixed draws in turn: the jitter of each decision is known.
struct FixedDraws: RandomNumberGenerator {
    var draws: [UInt64]
    var index = 0
    mutating func next() -> UInt64 {
        defer { index += 1 }
        return draws.isEmpty ? 0 : draws[index % draws.count]
    }
}

/// The reconnect policy of issue 14: which ends are final, the back-off
/// with its jitter, the limit, the reset after a stable session, the text.
final class ReconnectPolicyTests: XCTestCase {
    var low = FixedDraws(draws: [0])
    var high = FixedDraws(draws: [UInt64.max])

    func on(limit: Int = 0) -> ReconnectPolicy {
        ReconnectPolicy(settings: .init(enabled: true, limit: limit))
    }

    func retryDelay(_ decision: ReconnectDecision, line: UInt = #line) -> Duration? {
        guard case .retry(_, let after) = decision else {
            XCTFail("expected a retry, got \(decision)", line: line)
            return nil
        }
        return after
    }

    func testFinalEndsStopEvenWhenReconnectIsOn() {
        let finals: [ReconnectCause] = [
            ReconnectCause(PPPFailure.authenticationFailed(message: "E=691")),
            ReconnectCause(SSTPCloseReason.cryptoBindingRejected(nil)),
            ReconnectCause(PPPFailure.localSetup("no /dev/ppp")),
            ReconnectCause(PPPFailure.cryptoUnavailable("MD4")),
            ReconnectCause(PPPFailure.weakAuthenticationWithoutVerification(offered: [.pap])),
            ReconnectCause(PPPFailure.noCommonAuthenticationMethod(offered: [.pap], refused: [.pap], unsupported: [])),
            ReconnectCause(CallEnd(sstp: .disconnectedLocally, ppp: nil, requested: true)),
            ReconnectCause(CallEnd(sstp: .disconnectedByPeer, ppp: nil, requested: true)),
            ReconnectCause(PPPFailure.closedLocally),
        ]
        for cause in finals {
            var policy = on()
            XCTAssertEqual(
                policy.decide(after: cause, sessionLasted: .seconds(600), using: &low), .stop(.final(cause)),
                "\(cause)")
            XCTAssertEqual(policy.attempts, 0)
        }
    }

    func testTransientEndsRetry() {
        let transient: [CallEnd] = [
            CallEnd(sstp: .transportClosed("reset"), ppp: nil, requested: false),
            CallEnd(sstp: .peerNotResponding, ppp: nil, requested: false),
            CallEnd(sstp: .disconnectedByPeer, ppp: nil, requested: false),
            CallEnd(sstp: .abortedByPeer(nil), ppp: nil, requested: false),
            CallEnd(sstp: .disconnectedByPeer, ppp: .terminatedByPeer("shutdown"), requested: false),
            CallEnd(sstp: .transportClosed("x"), ppp: .peerNotResponding(.lcpEcho), requested: false),
        ]
        for end in transient {
            XCTAssertEqual(ReconnectCause(end), .transient, "\(end)")
            var policy = on()
            XCTAssertEqual(
                policy.decide(after: ReconnectCause(end), sessionLasted: nil, using: &low),
                .retry(attempt: 1, after: .milliseconds(500)), "\(end)")
        }
    }

    func testOffStopsAfterATransientEnd() {
        var policy = ReconnectPolicy(settings: .init(enabled: false))
        XCTAssertEqual(policy.decide(after: .transient, sessionLasted: nil, using: &low), .stop(.disabled))
    }

    func testBackOffDoublesWithinJitterUpToTheCap() {
        var policy = on()
        var lowest: [Duration] = []
        for _ in 1...9 {
            if let d = retryDelay(policy.decide(after: .transient, sessionLasted: nil, using: &low)) {
                lowest.append(d)
            }
        }
        // Half of 1, 2, 4 ... 32 s, then half of the 60 s cap.
        XCTAssertEqual(
            lowest, [500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000].map { .milliseconds($0) })
        policy = on()
        var highest: [Duration] = []
        for _ in 1...9 {
            if let d = retryDelay(policy.decide(after: .transient, sessionLasted: nil, using: &high)) {
                highest.append(d)
            }
        }
        // Just under the ceiling: the first try within 1 s, none over 60 s.
        let ceilings: [Int64] = [1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000]
        for (d, ceiling) in zip(highest, ceilings) {
            XCTAssertLessThanOrEqual(d, .milliseconds(ceiling))
            XCTAssertGreaterThan(d, .milliseconds(ceiling - 2))
        }
        XCTAssertEqual(highest.count, 9)
    }

    func testJitterSpreadsBetweenHalfAndTheCeiling() {
        let policy = on()
        let middle = policy.delay(forAttempt: 3, random: UInt64(1) << 63)
        XCTAssertEqual(middle, .milliseconds(3000))
        XCTAssertEqual(policy.delay(forAttempt: 1_000_000, random: 0), .seconds(30))
    }

    func testLimitStopsAfterThatManyAttemptsInARow() {
        var policy = on(limit: 3)
        for n in 1...3 {
            guard case .retry(let attempt, _) = policy.decide(after: .transient, sessionLasted: nil, using: &low) else {
                return XCTFail("attempt \(n) refused")
            }
            XCTAssertEqual(attempt, n)
        }
        XCTAssertEqual(
            policy.decide(after: .transient, sessionLasted: nil, using: &low), .stop(.limitReached(attempts: 3)))
    }

    func testAStableSessionStartsTheBackOffAgain() {
        var policy = on(limit: 3)
        for _ in 1...3 { _ = policy.decide(after: .transient, sessionLasted: nil, using: &low) }
        // A short session does not reset the count: the limit holds.
        XCTAssertEqual(
            policy.decide(after: .transient, sessionLasted: .seconds(5), using: &low),
            .stop(.limitReached(attempts: 3)))
        // One that stayed up a minute does.
        XCTAssertEqual(
            policy.decide(after: .transient, sessionLasted: .seconds(60), using: &low),
            .retry(attempt: 1, after: .milliseconds(500)))
    }

    func testAPathChangeRetriesAtOnce() {
        var policy = on()
        _ = policy.decide(after: .transient, sessionLasted: nil, using: &low)
        XCTAssertEqual(
            policy.decide(after: .pathChanged, sessionLasted: nil, using: &low), .retry(attempt: 2, after: .zero))
    }

    func testProgressLine() {
        XCTAssertEqual(
            ReconnectPolicy.progressLine(attempt: 3, delay: .milliseconds(2460), why: "the peer stopped answering"),
            "reconnecting (attempt 3, next in 2.5 s): the peer stopped answering")
        XCTAssertEqual(
            ReconnectPolicy.progressLine(attempt: 1, delay: .zero, why: "the route to the server changed"),
            "reconnecting (attempt 1, next in 0.0 s): the route to the server changed")
        XCTAssertEqual(ReconnectStop.limitReached(attempts: 5).description.contains("reconnect-limit"), true)
    }
}
