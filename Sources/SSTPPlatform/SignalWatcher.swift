import CSSTPPlatform
import Glibc

/// Delivers SIGINT, SIGTERM and SIGHUP through a signalfd on the event loop,
/// so cleanup runs on the loop's thread, never in a signal handler.
public final class SignalWatcher {
    public let fd: Int32

    /// Watches SIGINT, SIGTERM and SIGHUP.
    public convenience init() throws(SystemError) {
        try self.init(signals: [SIGINT, SIGTERM, SIGHUP])
    }

    public init(signals: [Int32]) throws(SystemError) {
        var set = sigset_t()
        sigemptyset(&set)
        for s in signals { sigaddset(&set, s) }
        guard sigprocmask(SIG_BLOCK, &set, nil) == 0 else { throw SystemError("sigprocmask") }
        let fd = signalfd(-1, &set, Int32(SFD_NONBLOCK | SFD_CLOEXEC))
        guard fd >= 0 else { throw SystemError("signalfd") }
        self.fd = fd
        // A dead pipe must not kill us; we see EPIPE instead.
        signal(SIGPIPE, SIG_IGN)
    }

    deinit {
        close(fd)
    }

    /// The signals waiting, drained.
    public func drain() -> [Int32] {
        var out: [Int32] = []
        var info = signalfd_siginfo()
        while Glibc.read(fd, &info, MemoryLayout<signalfd_siginfo>.size) == MemoryLayout<signalfd_siginfo>.size {
            out.append(Int32(info.ssi_signo))
        }
        return out
    }
}
