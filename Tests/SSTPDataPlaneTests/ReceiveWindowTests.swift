import Testing

@testable import SSTPDataPlane

/// The receive-window arithmetic with given byte counts and times.
@Suite struct ReceiveWindowTests {
    static let ms: Int64 = 1_000_000

    @Test func waitsForAWholeSamplePeriod() {
        var w = ReceiveWindow()
        #expect(w.due(now: 5 * Self.ms))
        #expect(w.update(now: 5 * Self.ms, received: 1000, minRTTMicroseconds: 50) == nil)
        #expect(!w.due(now: 14 * Self.ms))
        #expect(w.update(now: 14 * Self.ms, received: 900_000, minRTTMicroseconds: 50) == nil)
        #expect(w.bytes == ReceiveWindow.maximum)
        #expect(w.due(now: 15 * Self.ms))
    }

    @Test func isTheRateTimesMinRTTPlusMargin() {
        var w = ReceiveWindow()
        _ = w.update(now: 0, received: 0, minRTTMicroseconds: 0)
        _ = w.update(now: 1, received: 0, minRTTMicroseconds: 0)
        // 3 MB in 10 ms = 300 MB/s; x (50 us + 5 ms) = 1,515,000 bytes.
        #expect(w.update(now: 10 * Self.ms, received: 3_000_000, minRTTMicroseconds: 50) == 1_515_000)
        #expect(w.bytes == 1_515_000)
    }

    @Test func theEndThatSendsMoreDoesNotClamp() {
        var w = ReceiveWindow()
        _ = w.update(now: 0, received: 0, sent: 0, minRTTMicroseconds: 50)
        // An upload's sender: 300 MB/s out, its acknowledgements (6 MB/s) in.
        #expect(w.update(now: 10 * Self.ms, received: 60_000, sent: 3_000_000, minRTTMicroseconds: 50) == nil)
        #expect(w.bytes == ReceiveWindow.maximum)
        // The transfer turns: 100 MB/s in, little out; the faster sent
        // samples still count for the rest of the history.
        var received: UInt64 = 60_000
        var sent: UInt64 = 3_000_000
        var t = 10 * Self.ms
        for _ in 1..<ReceiveWindow.history {
            t += 10 * Self.ms
            received += 1_000_000
            sent += 20_000
            #expect(w.update(now: t, received: received, sent: sent, minRTTMicroseconds: 50) == nil)
        }
        t += 10 * Self.ms
        received += 1_000_000
        sent += 20_000
        // 100 MB/s x (50 us + 5 ms).
        #expect(w.update(now: t, received: received, sent: sent, minRTTMicroseconds: 50) == 505_000)
    }

    @Test func aFastPathIsLeftUnclamped() {
        var w = ReceiveWindow()
        #expect(w.applied == ReceiveWindow.maximum)
        _ = w.update(now: 0, received: 0, minRTTMicroseconds: 0)
        // 20 MB/s (160 Mbit/s) x 5 ms = 100,000 bytes: applied.
        #expect(w.update(now: 10 * Self.ms, received: 200_000, minRTTMicroseconds: 0) == 100_000)
        #expect(w.applied == 100_000)
        // 300 MB/s: 1.5 MB wanted, above the cut-off, so no clamp.
        #expect(w.update(now: 20 * Self.ms, received: 3_200_000, minRTTMicroseconds: 0) == 1_500_000)
        #expect(w.applied == ReceiveWindow.maximum)
    }

    @Test func isTwiceTheMinRTTOnALongPath() {
        var w = ReceiveWindow()
        _ = w.update(now: 0, received: 0, minRTTMicroseconds: 0)
        // 12.5 MB/s (100 Mbit/s) over a 50 ms path: 2 x 50 ms of it.
        #expect(w.update(now: 10 * Self.ms, received: 125_000, minRTTMicroseconds: 50_000) == 1_250_000)
    }

    @Test func keepsTheLargestRecentRateThenForgetsIt() {
        var w = ReceiveWindow()
        var t: Int64 = 1
        var received: UInt64 = 0
        _ = w.update(now: t, received: received, minRTTMicroseconds: 0)
        // 200 MB/s for one period: 1,000,000 bytes (x 5 ms).
        t += 10 * Self.ms
        received += 2_000_000
        #expect(w.update(now: t, received: received, minRTTMicroseconds: 0) == 1_000_000)
        // Then 50 MB/s: the faster sample holds for the rest of the history.
        for _ in 1..<ReceiveWindow.history {
            t += 10 * Self.ms
            received += 500_000
            #expect(w.update(now: t, received: received, minRTTMicroseconds: 0) == nil)
            #expect(w.bytes == 1_000_000)
        }
        t += 10 * Self.ms
        received += 500_000
        #expect(w.update(now: t, received: received, minRTTMicroseconds: 0) == 250_000)
    }

    @Test func aLongGapForgetsTheHistory() {
        var w = ReceiveWindow()
        _ = w.update(now: 1, received: 0, minRTTMicroseconds: 0)
        #expect(w.update(now: 10 * Self.ms + 1, received: 2_000_000, minRTTMicroseconds: 0) == 1_000_000)
        // 2.5 MB/s over a second (a slow link after a fast one): x 5.1 ms, 12,750 bytes, so the minimum.
        let later = 10 * Self.ms + 1 + 1000 * Self.ms
        #expect(w.update(now: later, received: 4_500_000, minRTTMicroseconds: 100) == ReceiveWindow.minimum)
    }

    @Test func ignoresSmallChanges() {
        // 400 MB/s, then 10 % more (kept), then a third more (applied).
        var x = ReceiveWindow()
        _ = x.update(now: 1, received: 0, minRTTMicroseconds: 0)
        _ = x.update(now: 10 * Self.ms + 1, received: 4_000_000, minRTTMicroseconds: 0)
        #expect(x.update(now: 20 * Self.ms + 1, received: 8_400_000, minRTTMicroseconds: 0) == nil)
        #expect(x.bytes == 2_000_000)
        #expect(x.update(now: 30 * Self.ms + 1, received: 13_700_000, minRTTMicroseconds: 0) == 2_650_000)
    }

    @Test func staysWithinItsBounds() {
        #expect(ReceiveWindow.window(rate: 0, roundTripNanoseconds: 2_000_000) == ReceiveWindow.minimum)
        #expect(ReceiveWindow.window(rate: 10_000_000_000, roundTripNanoseconds: 2_000_000) == ReceiveWindow.maximum)
        #expect(ReceiveWindow.window(rate: .max, roundTripNanoseconds: .max) == ReceiveWindow.maximum)
        #expect(ReceiveWindow.rate(bytes: .max, nanoseconds: 1) == UInt64.max / 2)
        #expect(ReceiveWindow.rate(bytes: 5, nanoseconds: 0) == 0)
        // A counter that went backwards (a new socket) counts as nothing.
        var w = ReceiveWindow()
        _ = w.update(now: 1, received: 1_000_000, minRTTMicroseconds: 0)
        #expect(w.update(now: 10 * Self.ms + 1, received: 10, minRTTMicroseconds: 0) == ReceiveWindow.minimum)
    }
}
