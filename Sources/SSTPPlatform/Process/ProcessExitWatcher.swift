import CSSTPPlatform
import Glibc

/// Sees a child's exit on the event loop through a pidfd (pidfd_open(2):
/// the descriptor turns readable when the process ends), reaps it and
/// reports its status once: the exit code, or 128 + the signal.
public final class ProcessExitWatcher {
    public let pid: Int32
    unowned let loop: EventLoop
    private var pidfd: Int32
    private let onExit: (Int32) -> Void

    /// Watches `pid` (our child). Nil when the kernel has no pidfd_open
    /// (before Linux 5.3): the caller then learns of the exit another way.
    public static func watch(
        _ pid: Int32, loop: EventLoop, onExit: @escaping (Int32) -> Void
    ) throws(SystemError) -> ProcessExitWatcher? {
        let fd = csstp_pidfd_open(pid)
        guard fd >= 0 else { return nil }
        let watcher = ProcessExitWatcher(pid: pid, pidfd: fd, loop: loop, onExit: onExit)
        do {
            try loop.add(fd: fd, events: .readable) { [weak watcher] _ in watcher?.readable() }
        } catch {
            close(fd)
            watcher.pidfd = -1
            throw error
        }
        return watcher
    }

    private init(pid: Int32, pidfd: Int32, loop: EventLoop, onExit: @escaping (Int32) -> Void) {
        self.pid = pid
        self.pidfd = pidfd
        self.loop = loop
        self.onExit = onExit
    }

    deinit {
        stop()
    }

    /// Stops watching (closes the pidfd); the process is not touched.
    public func stop() {
        guard pidfd >= 0 else { return }
        loop.remove(fd: pidfd)
        close(pidfd)
        pidfd = -1
    }

    private func readable() {
        guard pidfd >= 0, let status = ChildProcess.reap(pid) else { return }
        stop()
        onExit(status)
    }
}
