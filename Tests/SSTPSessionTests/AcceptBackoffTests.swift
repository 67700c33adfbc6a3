import Testing

@testable import SSTPSession

struct AcceptBackoffTests {
    @Test func pausesDoubleUpToTheMaximum() {
        var backoff = AcceptBackoff(initial: .milliseconds(100), maximum: .milliseconds(800))
        var now = Duration.seconds(10)
        var intervals: [Duration] = []
        for _ in 0..<6 {
            let pause = backoff.failed(now: now)
            #expect(pause.resumeAt == now + pause.interval)
            intervals.append(pause.interval)
            now = pause.resumeAt
        }
        #expect(intervals.map { $0 / .milliseconds(1) } == [100, 200, 400, 800, 800, 800])
        #expect(backoff.failures == 6)
    }

    @Test func reportsOncePerPeriodWithACount() {
        var backoff = AcceptBackoff(initial: .milliseconds(100), maximum: .seconds(1), reportPeriod: .seconds(5))
        var now = Duration.zero
        var reports: [(Duration, Int)] = []
        // Failures for 12 seconds, each after the pause the last one asked for.
        while now < .seconds(12) {
            let pause = backoff.failed(now: now)
            if let count = pause.report { reports.append((now, count)) }
            now = pause.resumeAt
        }
        // 0.0 0.1 0.3 0.7 1.5 2.5 ... 11.5: 15 failures.
        #expect(backoff.failures == 15)
        #expect(reports.map(\.0) == [.zero, .milliseconds(5500), .milliseconds(10500)])
        #expect(reports.map(\.1) == [1, 8, 5])
    }

    @Test func anAcceptThatWorksStartsAgain() {
        var backoff = AcceptBackoff(initial: .milliseconds(100), maximum: .seconds(1))
        #expect(backoff.succeeded() == nil)
        _ = backoff.failed(now: .zero)
        _ = backoff.failed(now: .milliseconds(100))
        #expect(backoff.succeeded() == 2)
        #expect(backoff.interval == nil)
        let pause = backoff.failed(now: .seconds(3))
        #expect(pause.interval == .milliseconds(100))
        #expect(pause.report == 1)
    }

    @Test func throttledReportFlushesWhatIsPending() {
        var report = ThrottledReport(period: .seconds(1))
        #expect(report.nextReport == nil)
        #expect(report.note(now: .zero) == 1)
        #expect(report.note(now: .milliseconds(10)) == nil)
        #expect(report.note(now: .milliseconds(20)) == nil)
        #expect(report.nextReport == .seconds(1))
        #expect(report.due(now: .milliseconds(999)) == nil)
        #expect(report.due(now: .seconds(1)) == 2)
        #expect(report.due(now: .seconds(5)) == nil)
        #expect(report.nextReport == nil)
    }
}
