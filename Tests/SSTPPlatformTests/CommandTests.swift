import Glibc
import Testing

@testable import SSTPPlatform

/// `Command.run` runs helpers (resolvectl) on the event loop's thread, so a
/// helper that hangs must stall it for a bounded time only.
@Suite struct CommandTests {
    @Test func outputAndStatusComeBack() throws {
        let result = try Command.run("/bin/sh", ["-c", "echo hello; exit 3"])
        #expect(result.status == 3)
        #expect(result.output == "hello\n")
    }

    @Test func aHangingHelperIsKilledAtTheBound() throws {
        let started = MonotonicClock.now()
        #expect(throws: SystemError.self) {
            _ = try Command.run("/bin/sleep", ["30"], timeout: .milliseconds(300))
        }
        let waited = MonotonicClock.now() - started
        #expect(waited >= .milliseconds(300))
        // Generous: a loaded machine is slow to reap, but nowhere near 30 s.
        #expect(waited < .seconds(10))
    }

    @Test func aHelperThatClosesItsOutputButHangsIsKilledToo() throws {
        let started = MonotonicClock.now()
        #expect(throws: SystemError.self) {
            _ = try Command.run("/bin/sh", ["-c", "exec >/dev/null 2>&1; sleep 30"], timeout: .milliseconds(300))
        }
        #expect(MonotonicClock.now() - started < .seconds(10))
    }
}
