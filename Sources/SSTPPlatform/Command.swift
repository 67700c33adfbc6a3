import CSSTPPlatform
import Glibc

/// Runs a helper program (resolvectl) with posix_spawn and waits for it,
/// at most `timeout`: a helper that hangs (a stuck systemd-resolved) is
/// killed, so the caller's event loop stalls for a bounded time only.
/// Arguments never carry secrets.
public enum Command {
    public struct Result: Sendable {
        public var status: Int32
        public var output: String
    }

    /// Runs `path` with `arguments`, stdin from /dev/null, stdout and
    /// stderr captured (up to 64 KiB).
    public static func run(_ path: String, _ arguments: [String], timeout: Duration = .seconds(5))
        throws(SystemError) -> Result
    {
        var pipeFDs: [Int32] = [0, 0]
        guard csstp_pipe_cloexec(&pipeFDs) == 0 else { throw SystemError("pipe2") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, pipeFDs[1], 1)
        posix_spawn_file_actions_adddup2(&actions, pipeFDs[1], 2)
        let argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) } + [nil]
        defer { for p in argv { free(p) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, path, &actions, nil, argv, Glibc.environ)
        close(pipeFDs[1])
        guard rc == 0 else {
            close(pipeFDs[0])
            throw SystemError("spawn \(path)", errno: rc)
        }
        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        let deadline = MonotonicClock.now() + timeout
        var timedOut = false
        while true {
            let left = deadline - MonotonicClock.now()
            guard left > .zero else {
                timedOut = true
                break
            }
            var poller = pollfd(fd: pipeFDs[0], events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, left.epollMilliseconds)
            if ready < 0 {
                if errno == EINTR { continue }
                break
            }
            if ready == 0 { continue }
            let n = Glibc.read(pipeFDs[0], &buffer, buffer.count)
            if n > 0 {
                if output.count < 65536 { output += buffer[0..<n] }
                continue
            }
            if n < 0 && errno == EINTR { continue }
            break
        }
        close(pipeFDs[0])
        var status: Int32 = 0
        // The output closed; the helper may still linger: poll for its exit
        // until the same deadline.
        while !timedOut {
            let reaped = waitpid(pid, &status, WNOHANG)
            if reaped == pid { break }
            if reaped < 0 && errno != EINTR { break }
            if MonotonicClock.now() >= deadline {
                timedOut = true
                break
            }
            usleep(5000)
        }
        if timedOut {
            kill(pid, SIGKILL)
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        }
        if timedOut { throw SystemError("\(path) did not finish within \(timeout)", errno: ETIMEDOUT) }
        let exit = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return Result(status: exit, output: String(decoding: output, as: UTF8.self))
    }
}
