import CSSTPPlatform
import Glibc

/// One thread's epoll loop with timers. Everything registered with it runs
/// on the thread that calls `run`; it is not Sendable.
public final class EventLoop {
    public struct Events: OptionSet, Hashable, Sendable {
        public var rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }
        public static let readable = Events(rawValue: EPOLLIN.rawValue)
        public static let writable = Events(rawValue: EPOLLOUT.rawValue)
        public static let hangup = Events(rawValue: EPOLLHUP.rawValue | EPOLLRDHUP.rawValue)
        public static let error = Events(rawValue: EPOLLERR.rawValue)
    }

    public typealias Handler = (Events) -> Void

    /// A timer handle; cancelling twice or after it fired is harmless.
    public struct TimerID: Hashable, Sendable {
        fileprivate var value: UInt64
    }

    private let epoll: Int32
    private var handlers: [Int32: Handler] = [:]
    /// What each watched fd is watched for (the registration is the one
    /// record of it: `interest(fd:)`).
    private var interests: [Int32: Events] = [:]
    private var timers: [(deadline: Duration, id: UInt64, body: () -> Void)] = []
    private var nextTimerID: UInt64 = 1
    private var stopped = false
    private var events = [epoll_event](repeating: epoll_event(), count: 64)

    public init() throws(SystemError) {
        let fd = epoll_create1(Int32(EPOLL_CLOEXEC))
        guard fd >= 0 else { throw SystemError("epoll_create1") }
        epoll = fd
    }

    deinit {
        close(epoll)
    }

    public var now: Duration { MonotonicClock.now() }

    public func add(fd: Int32, events: Events, handler: @escaping Handler) throws(SystemError) {
        var ev = epoll_event()
        ev.events = events.rawValue
        ev.data.fd = fd
        guard epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &ev) == 0 else { throw SystemError("epoll_ctl(ADD)") }
        handlers[fd] = handler
        interests[fd] = events
    }

    /// The events `fd` is watched for (empty: registered but paused); nil
    /// when it is not watched.
    public func interest(fd: Int32) -> Events? {
        interests[fd]
    }

    /// Gives an already watched fd a new handler (the phase changed).
    public func setHandler(fd: Int32, _ handler: @escaping Handler) {
        handlers[fd] = handler
    }

    public func modify(fd: Int32, events: Events) {
        var ev = epoll_event()
        ev.events = events.rawValue
        ev.data.fd = fd
        if epoll_ctl(epoll, EPOLL_CTL_MOD, fd, &ev) == 0 { interests[fd] = events }
    }

    /// Stops watching `fd` (the caller closes it).
    public func remove(fd: Int32) {
        _ = epoll_ctl(epoll, EPOLL_CTL_DEL, fd, nil)
        handlers[fd] = nil
        interests[fd] = nil
    }

    /// Runs `body` once the monotonic clock reaches `deadline`.
    @discardableResult
    public func schedule(at deadline: Duration, _ body: @escaping () -> Void) -> TimerID {
        let id = nextTimerID
        nextTimerID += 1
        let index = timers.firstIndex { $0.deadline > deadline } ?? timers.count
        timers.insert((deadline, id, body), at: index)
        return TimerID(value: id)
    }

    public func cancel(_ timer: TimerID) {
        timers.removeAll { $0.id == timer.value }
    }

    /// Ends `run` after the current iteration.
    public func stop() {
        stopped = true
    }

    /// Waits for events and timers until `stop` is called.
    public func run() throws(SystemError) {
        stopped = false
        while !stopped {
            try runOnce()
        }
    }

    /// One wait: dispatches ready fds, then due timers.
    public func runOnce(maximumWait: Duration? = nil) throws(SystemError) {
        var wait: Int32 = -1
        if let first = timers.first {
            wait = (first.deadline - now).epollMilliseconds
        }
        if let maximumWait {
            let cap = maximumWait.epollMilliseconds
            wait = wait < 0 ? cap : min(wait, cap)
        }
        let count = epoll_wait(epoll, &events, Int32(events.count), wait)
        if count < 0 {
            if errno == EINTR { return }
            throw SystemError("epoll_wait")
        }
        for i in 0..<Int(count) {
            let ev = events[i]
            handlers[ev.data.fd]?(Events(rawValue: ev.events))
        }
        let current = now
        while let first = timers.first, first.deadline <= current {
            timers.removeFirst()
            first.body()
        }
    }
}
