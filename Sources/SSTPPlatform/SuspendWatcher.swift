import Glibc

/// Calls `onResume` on the event loop soon after the machine wakes from a
/// suspend: a timer ticks every `interval` of CLOCK_MONOTONIC (which stands
/// still during a suspend, so the first tick after waking comes within an
/// interval) and hands both clocks to a `SuspendDetector`.
public final class SuspendWatcher {
    private let loop: EventLoop
    private let interval: Duration
    private var detector: SuspendDetector
    private var timer: EventLoop.TimerID?
    private let onResume: (Duration) -> Void

    public init(
        loop: EventLoop, interval: Duration = .seconds(2), threshold: Duration = .seconds(2),
        onResume: @escaping (_ slept: Duration) -> Void
    ) {
        self.loop = loop
        self.interval = interval
        self.detector = SuspendDetector(threshold: threshold)
        self.onResume = onResume
        _ = detector.observe(Self.reading())
        schedule()
    }

    /// Stops the ticks.
    public func stop() {
        if let timer { loop.cancel(timer) }
        timer = nil
    }

    private func schedule() {
        timer = loop.schedule(at: loop.now + interval) { [weak self] in self?.tick() }
    }

    private func tick() {
        let slept = detector.observe(Self.reading())
        schedule()
        if let slept { onResume(slept) }
    }

    /// Both clocks, read back to back.
    public static func reading() -> SuspendDetector.Reading {
        var boot = timespec()
        clock_gettime(CLOCK_BOOTTIME, &boot)
        let monotonic = MonotonicClock.now()
        return SuspendDetector.Reading(
            boottime: .seconds(Int64(boot.tv_sec)) + .nanoseconds(Int64(boot.tv_nsec)), monotonic: monotonic)
    }
}
