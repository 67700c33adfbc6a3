import CSSTPPlatform
import Glibc

/// CLOCK_MONOTONIC as a Duration since boot: the `now` the pure state
/// machines are given.
public enum MonotonicClock {
    public static func now() -> Duration {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return .seconds(Int64(ts.tv_sec)) + .nanoseconds(Int64(ts.tv_nsec))
    }
}

extension Duration {
    /// Whole milliseconds, rounded up, clamped to Int32 for epoll_wait.
    var epollMilliseconds: Int32 {
        let (seconds, attoseconds) = components
        if seconds < 0 || (seconds == 0 && attoseconds <= 0) { return 0 }
        // Saturating: a deadline beyond Int32.max ms (24.8 days) waits the
        // longest epoll_wait can, and is looked at again then.
        guard seconds < Int64(Int32.max) / 1000 + 1 else { return Int32.max }
        let ms = seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
        return ms > Int64(Int32.max) ? Int32.max : Int32(ms)
    }
}
