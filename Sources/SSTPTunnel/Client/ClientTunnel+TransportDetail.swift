import Glibc
import SSTPTLS

extension ClientTunnel {
    /// Why the outer connection ended, for the user. With TCP_USER_TIMEOUT
    /// set, the kernel ends a connection whose data stayed unacknowledged
    /// that long with ETIMEDOUT, or with the soft error it last saw (no
    /// route): say that it was the dead-peer bound, and which option sets it.
    static func transportDetail(_ error: TLSError?, userTimeout: Duration?) -> String {
        guard let error else { return "the server closed the TLS connection" }
        if let userTimeout, case .syscall(_, let code) = error, [ETIMEDOUT, EHOSTUNREACH, ENETUNREACH].contains(code) {
            let seconds = userTimeout.components.seconds
            return "the server acknowledged nothing for \(seconds) s (tcp-user-timeout): the path to it is gone "
                + "or it went away (\(error))"
        }
        return "\(error)"
    }
}
