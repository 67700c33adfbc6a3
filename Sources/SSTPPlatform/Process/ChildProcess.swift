import CSSTPPlatform
import Glibc

/// Starting a helper program (pppd) on a terminal, and stopping it.
public enum ChildProcess {
    /// Starts `argv[0]` (an absolute path; no PATH search) with `argv` in a
    /// new session: standard input and output on the terminal at
    /// `terminal`, standard error on /dev/null, `descriptor3` (when not -1)
    /// as descriptor 3, every other descriptor closed, signals unblocked.
    /// The child inherits our environment and callers log `argv`: neither
    /// may carry a secret (hand it over a socket instead).
    public static func spawn(_ argv: [String], terminal: String, descriptor3: Int32 = -1) throws(SystemError)
        -> Int32
    {
        guard let program = argv.first, program.hasPrefix("/") else {
            throw SystemError("spawn: the program must be an absolute path", errno: EINVAL)
        }
        let cArgs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { for p in cArgs { free(p) } }
        let pid = csstp_spawn_on_tty(cArgs, terminal, descriptor3)
        guard pid > 0 else { throw SystemError("fork \(program)") }
        return pid
    }

    /// The status of a child that has exited, without waiting (waitpid
    /// WNOHANG): its exit code, or 128 + the signal that killed it; nil
    /// while it runs (or when it is not our child).
    public static func reap(_ pid: Int32) -> Int32? {
        let status = csstp_reap(pid)
        return status >= 0 ? status : nil
    }

    /// SIGKILL and wait for it: the last resort when nothing of ours may
    /// outlive the caller. Blocks only for the kernel to end the process.
    public static func killAndReap(_ pid: Int32) {
        kill(pid, SIGKILL)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
    }
}
