import CSSTPPlatform
import Glibc

/// AF_UNIX stream sockets for the pppd plugin bridge.
public enum UnixSocket {
    public struct Credentials: Sendable {
        public var pid: Int32
        public var uid: UInt32
        public var gid: UInt32
    }

    /// Listens at `path` (mode 0600), non-blocking.
    public static func listen(path: String) throws(SystemError) -> Int32 {
        let fd = socket(
            AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SystemError("socket(AF_UNIX)") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            close(fd)
            throw SystemError("socket path too long: \(path)", errno: ENAMETOOLONG)
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, b) in bytes.enumerated() { raw[i] = b }
        }
        unlink(path)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard bound == 0, chmod(path, 0o600) == 0, Glibc.listen(fd, 4) == 0 else {
            let error = SystemError("listen on \(path)")
            close(fd)
            throw error
        }
        return fd
    }

    /// Accepts one connection with its peer's credentials (SO_PEERCRED).
    public static func accept(_ listener: Int32) -> (fd: Int32, credentials: Credentials)? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let fd = csstp_accept(listener, &storage, &length)
        guard fd >= 0 else { return nil }
        var pid: pid_t = 0
        var uid: uid_t = 0
        var gid: gid_t = 0
        guard csstp_peer_credentials(fd, &pid, &uid, &gid) == 0 else {
            close(fd)
            return nil
        }
        return (fd, Credentials(pid: pid, uid: uid, gid: gid))
    }
}
