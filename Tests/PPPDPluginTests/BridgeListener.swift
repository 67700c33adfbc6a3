import Glibc
import PPPDBridge

/// The service's end for the tests: an AF_UNIX stream listener in a fresh
/// directory, as the service will have one.
final class BridgeListener {
    let directory: String
    let path: String
    private let fd: Int32

    init() throws {
        var template = Array("/tmp/sstp-pppd-bridge-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw TestFailure("mkdtemp failed") }
        directory = String(cString: made)
        path = directory + "/bridge.sock"
        fd = try Self.boundSocket(path)
        guard listen(fd, 4) == 0 else { throw TestFailure("listen: errno \(errno)") }
    }

    deinit {
        close(fd)
        unlink(path)
        rmdir(directory)
    }

    /// A socket bound to `path` (not listening).
    static func boundSocket(_ path: String) throws -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket: errno \(errno)") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { throw TestFailure("path too long") }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard rc == 0 else { throw TestFailure("bind \(path): errno \(errno)") }
        return fd
    }

    func accept(timeout: Duration = .seconds(20)) throws -> BridgeConnection {
        guard try waitReadable(fd, timeout: timeout) else { throw TestFailure("nobody connected to \(path)") }
        let connection = Glibc.accept(fd, nil, nil)
        guard connection >= 0 else { throw TestFailure("accept: errno \(errno)") }
        // Children spawned by tests running in parallel must not hold it open.
        _ = fcntl(connection, F_SETFD, FD_CLOEXEC)
        return BridgeConnection(fd: connection)
    }
}

/// One accepted connection, decoded with `BridgeDeframer` like the service.
final class BridgeConnection {
    private var fd: Int32
    private var deframer = BridgeDeframer()
    private var pending: [BridgeMessage] = []
    private var atEOF = false
    /// The plugin closed with our bytes unread (ECONNRESET): an EOF that may
    /// have dropped its last messages.
    private(set) var wasReset = false

    init(fd: Int32) {
        self.fd = fd
    }

    deinit {
        if fd >= 0 { Glibc.close(fd) }
    }

    /// The next message; nil at EOF. Throws on a timeout or malformed bytes.
    func next(timeout: Duration = .seconds(20)) throws -> BridgeMessage? {
        let deadline = ContinuousClock.now + timeout
        while pending.isEmpty && !atEOF {
            let left = deadline - ContinuousClock.now
            guard left > .zero, try waitReadable(fd, timeout: left) else {
                throw TestFailure("no message from the plugin within \(timeout)")
            }
            try readOnce()
        }
        return pending.isEmpty ? nil : pending.removeFirst()
    }

    /// True when neither bytes nor EOF arrive for `duration`.
    func isSilent(for duration: Duration) throws -> Bool {
        guard pending.isEmpty, !atEOF else { return false }
        guard try waitReadable(fd, timeout: duration) else { return true }
        try readOnce()
        return false
    }

    private func readOnce() throws {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if count < 0 && errno == ECONNRESET {
            atEOF = true
            wasReset = true
            return
        }
        guard count >= 0 else { throw TestFailure("read: errno \(errno)") }
        if count == 0 {
            atEOF = true
            let held = deframer.bufferedByteCount
            guard held == 0 else { throw TestFailure("EOF inside a message, \(held) bytes into it") }
        } else {
            pending += try deframer.feed(buffer[0..<count])
        }
    }

    func send(_ message: BridgeMessage) throws {
        try sendRaw(try message.validated())
    }

    func sendRaw(_ bytes: [UInt8]) throws {
        let sent = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        guard sent == bytes.count else { throw TestFailure("send: errno \(errno)") }
    }

    /// The peer's pid from SO_PEERCRED, as the service checks it.
    func peerPID() -> Int32? {
        var credentials = [Int32](repeating: 0, count: 3)  // struct ucred: pid, uid, gid
        var length = socklen_t(12)
        let rc = credentials.withUnsafeMutableBytes {
            getsockopt(fd, SOL_SOCKET, SO_PEERCRED, $0.baseAddress, &length)
        }
        return rc == 0 ? credentials[0] : nil
    }

    func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }
}

/// poll(2) for input; false on timeout.
func waitReadable(_ fd: Int32, timeout: Duration) throws -> Bool {
    var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
    let milliseconds = Int32(
        clamping: timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
    while true {
        let rc = poll(&entry, 1, max(milliseconds, 1))
        if rc < 0 && errno == EINTR { continue }
        guard rc >= 0 else { throw TestFailure("poll: errno \(errno)") }
        return rc > 0
    }
}
