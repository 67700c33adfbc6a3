import Glibc

/// Which peers may connect to a `PrivateUnixListener`, by the credentials
/// the kernel gives for them (SO_PEERCRED, unix(7)): a peer is admitted
/// when its uid or its pid is listed.
public struct PeerCredentialRule: Sendable, Hashable {
    public var uids: Set<UInt32>
    public var pids: Set<Int32>

    public init(uids: Set<UInt32> = [], pids: Set<Int32> = []) {
        self.uids = uids
        self.pids = pids
    }

    public func admits(_ peer: UnixSocket.Credentials) -> Bool {
        uids.contains(peer.uid) || pids.contains(peer.pid)
    }
}

/// A Unix stream socket listening in a directory of its own (mkdtemp under
/// /run, else /tmp; the directory 0700, the socket 0600), for a helper we
/// start to connect back to. Every connection's peer credentials are
/// checked against `rule` before the caller sees it; a refused peer is
/// closed and reported. `close()` removes the socket and the directory.
public final class PrivateUnixListener {
    unowned let loop: EventLoop
    public private(set) var path: String
    private var directory: String
    private var fd: Int32
    /// Who may connect; may change while listening (a child's pid once it
    /// is known).
    public var rule: PeerCredentialRule
    private let onAccept: (Int32, UnixSocket.Credentials) -> Void
    private let onRefused: (UnixSocket.Credentials) -> Void

    /// `prefix` names the directory ("sstp-pppd" gives /run/sstp-pppd-XXXXXX);
    /// the socket in it is `name`. `onAccept` owns the descriptor it gets.
    public init(
        prefix: String, name: String, loop: EventLoop, rule: PeerCredentialRule,
        onAccept: @escaping (Int32, UnixSocket.Credentials) -> Void,
        onRefused: @escaping (UnixSocket.Credentials) -> Void
    ) throws(SystemError) {
        let base = access("/run", W_OK) == 0 ? "/run" : "/tmp"
        var template = Array("\(base)/\(prefix)-XXXXXX".utf8CString)
        guard mkdtemp(&template) != nil else { throw SystemError("mkdtemp") }
        directory = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        chmod(directory, 0o700)
        path = directory + "/" + name
        self.loop = loop
        self.rule = rule
        self.onAccept = onAccept
        self.onRefused = onRefused
        fd = -1
        do {
            fd = try UnixSocket.listen(path: path)
            try loop.add(fd: fd, events: .readable) { [weak self] _ in self?.acceptOne() }
        } catch {
            close()
            throw error
        }
    }

    deinit {
        close()
    }

    /// Stops listening; removes the socket and its directory.
    public func close() {
        if fd >= 0 {
            loop.remove(fd: fd)
            Glibc.close(fd)
            fd = -1
        }
        if !directory.isEmpty {
            unlink(path)
            rmdir(directory)
            directory = ""
        }
    }

    private func acceptOne() {
        guard fd >= 0, let (connection, credentials) = UnixSocket.accept(fd) else { return }
        guard rule.admits(credentials) else {
            Glibc.close(connection)
            onRefused(credentials)
            return
        }
        onAccept(connection, credentials)
    }
}
