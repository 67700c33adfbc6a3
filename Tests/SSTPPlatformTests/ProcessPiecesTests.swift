import Glibc
import Testing

@testable import SSTPPlatform

/// The pieces a helper process (pppd) runs on: the pty, the spawn, the
/// pidfd exit watcher, the log pipe and the Unix listener with its
/// peer-credential check.
@Suite(.serialized) struct ProcessPiecesTests {
    /// Runs the loop until `done` or 10 s (a hang guard, not a timing).
    static func run(_ loop: EventLoop, until done: () -> Bool) throws {
        let deadline = loop.now + .seconds(10)
        while !done(), loop.now < deadline { try loop.runOnce(maximumWait: .milliseconds(50)) }
    }

    static func readSome(_ fd: Int32) -> [UInt8] {
        var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&pfd, 1, 5000) == 1 else { return [] }
        var buffer = [UInt8](repeating: 0, count: 256)
        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        return n > 0 ? Array(buffer[0..<n]) : []
    }

    @Test func ptyCarriesBytesBothWaysRaw() throws {
        let pty = try PseudoTerminal.open()
        defer { close(pty.master) }
        #expect(pty.slavePath.hasPrefix("/dev/pts/"))
        let slave = open(pty.slavePath, O_RDWR | O_NOCTTY | O_CLOEXEC)
        try #require(slave >= 0)
        defer { close(slave) }
        // Raw: a CR, a ^C and a newline arrive as they are, with no echo.
        let down: [UInt8] = [0x7e, 0xff, 0x0d, 0x03, 0x0a, 0x7e]
        #expect(down.withUnsafeBytes { write(pty.master, $0.baseAddress, $0.count) } == down.count)
        #expect(Self.readSome(slave) == down)
        let up: [UInt8] = [0x7e, 0x01, 0x02, 0x7e]
        #expect(up.withUnsafeBytes { write(slave, $0.baseAddress, $0.count) } == up.count)
        #expect(Self.readSome(pty.master) == up)
        // Nothing of what we wrote came back to us.
        var pfd = pollfd(fd: pty.master, events: Int16(POLLIN), revents: 0)
        #expect(poll(&pfd, 1, 100) == 0)
    }

    @Test func aChildsExitIsSeenThroughItsPidfd() throws {
        let loop = try EventLoop()
        let pty = try PseudoTerminal.open()
        defer { close(pty.master) }
        let pid = try ChildProcess.spawn(["/bin/sh", "-c", "exit 7"], terminal: pty.slavePath)
        var status: Int32?
        let watcher = try #require(try ProcessExitWatcher.watch(pid, loop: loop) { status = $0 })
        try Self.run(loop) { status != nil }
        #expect(status == 7)
        #expect(watcher.pid == pid)
        // Reaped: no zombie is left.
        #expect(waitpid(pid, nil, WNOHANG) == -1)
    }

    @Test func aSignalledChildReportsTheSignal() throws {
        let loop = try EventLoop()
        let pty = try PseudoTerminal.open()
        defer { close(pty.master) }
        let pid = try ChildProcess.spawn(["/bin/sleep", "30"], terminal: pty.slavePath)
        var status: Int32?
        let watcher = try #require(try ProcessExitWatcher.watch(pid, loop: loop) { status = $0 })
        #expect(ChildProcess.reap(pid) == nil, "still running")
        kill(pid, SIGTERM)
        try Self.run(loop) { status != nil }
        #expect(status == 128 + SIGTERM)
        watcher.stop()
    }

    @Test func killAndReapLeavesNoChild() throws {
        let pty = try PseudoTerminal.open()
        defer { close(pty.master) }
        let pid = try ChildProcess.spawn(["/bin/sleep", "30"], terminal: pty.slavePath)
        ChildProcess.killAndReap(pid)
        #expect(kill(pid, 0) == -1 && errno == ESRCH)
    }

    @Test func spawnWantsAnAbsolutePath() {
        #expect(throws: SystemError.self) { _ = try ChildProcess.spawn(["sh", "-c", "true"], terminal: "/dev/null") }
        #expect(throws: SystemError.self) { _ = try ChildProcess.spawn([], terminal: "/dev/null") }
    }

    /// The child's descriptor 3 is the pipe; its lines come back one by
    /// one, empty lines skipped, and the end of the stream after it exits.
    @Test func theLogPipeGivesTheChildsLines() throws {
        let loop = try EventLoop()
        let pty = try PseudoTerminal.open()
        defer { close(pty.master) }
        var lines: [String] = []
        let log = try LogPipe(loop: loop) { lines.append($0) }
        let script = "echo one >&3; echo >&3; printf 'two\\nthr' >&3; printf 'ee\\n' >&3; echo tty"
        let pid = try ChildProcess.spawn(["/bin/sh", "-c", script], terminal: pty.slavePath, descriptor3: log.writeEnd)
        log.closeWriteEnd()
        #expect(log.writeEnd == -1)
        var status: Int32?
        let watcher = try #require(try ProcessExitWatcher.watch(pid, loop: loop) { status = $0 })
        try Self.run(loop) { status != nil && lines.count >= 3 }
        #expect(status == 0)
        #expect(lines == ["one", "two", "three"])
        // Standard output went to the terminal, not the log.
        #expect(String(decoding: Self.readSome(pty.master), as: UTF8.self).contains("tty"))
        watcher.stop()
        log.close()
    }

    @Test func theRuleAdmitsByUIDOrPID() {
        let peer = UnixSocket.Credentials(pid: 4242, uid: 1000, gid: 1000)
        #expect(PeerCredentialRule(uids: [1000]).admits(peer))
        #expect(PeerCredentialRule(pids: [4242]).admits(peer))
        #expect(!PeerCredentialRule(uids: [0], pids: [4243]).admits(peer))
        #expect(!PeerCredentialRule().admits(peer))
    }

    static func connect(to path: String) throws -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        try #require(fd >= 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, b) in path.utf8.enumerated() { raw[i] = b }
        }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        try #require(result == 0, "connect \(path): \(errno)")
        return fd
    }

    /// A peer whose uid and pid the rule does not list is closed and
    /// reported, never handed on; one it lists is accepted.
    @Test func thePeerCredentialCheckRefusesAWrongUIDAndPID() throws {
        let loop = try EventLoop()
        var accepted: [(Int32, UnixSocket.Credentials)] = []
        var refused: [UnixSocket.Credentials] = []
        let listener = try PrivateUnixListener(
            prefix: "sstp-test", name: "peer.sock", loop: loop,
            rule: PeerCredentialRule(uids: [getuid() &+ 1], pids: [getpid() &+ 1]),
            onAccept: { accepted.append(($0, $1)) }, onRefused: { refused.append($0) })
        let path = listener.path
        var info = stat()
        #expect(stat(path, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o600)
        let directory = String(path[..<(path.lastIndex(of: "/") ?? path.endIndex)])
        #expect(stat(directory, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o700)

        let first = try Self.connect(to: path)
        defer { close(first) }
        try Self.run(loop) { !refused.isEmpty }
        #expect(accepted.isEmpty)
        #expect(refused.first?.pid == getpid())
        #expect(refused.first?.uid == getuid())
        // The refused connection was closed: the peer reads the end.
        #expect(Self.readSome(first).isEmpty)

        listener.rule.pids = [getpid()]
        let second = try Self.connect(to: path)
        defer { close(second) }
        try Self.run(loop) { !accepted.isEmpty }
        #expect(accepted.count == 1)
        #expect(accepted.first?.1.pid == getpid())
        for (fd, _) in accepted { close(fd) }

        listener.close()
        #expect(access(path, F_OK) == -1)
        #expect(access(directory, F_OK) == -1)
    }
}
