import Testing

@testable import SSTPPlatform

/// Issue 16 item 9: a timer far in the future (hello-interval 9.3e15 s
/// before the table refused it) overflowed the millisecond conversion for
/// epoll_wait and trapped. The conversion saturates at Int32.max.
@Suite struct EpollTimeoutTests {
    @Test func saturatesFarDeadlines() {
        #expect(Duration.seconds(9_300_000_000_000_000).epollMilliseconds == Int32.max)
        #expect(Duration.seconds(Int64.max).epollMilliseconds == Int32.max)
        #expect(Duration.seconds(3_000_000).epollMilliseconds == Int32.max)
    }

    @Test func roundsUpAndClampsAtZero() {
        #expect(Duration.zero.epollMilliseconds == 0)
        #expect(Duration.seconds(-5).epollMilliseconds == 0)
        #expect(Duration.nanoseconds(1).epollMilliseconds == 1)
        #expect(Duration.milliseconds(1500).epollMilliseconds == 1500)
        #expect(Duration.seconds(2_000_000).epollMilliseconds == 2_000_000_000)
    }
}
