import Glibc

/// A failed system call: which one, errno, and its text.
public struct SystemError: Error, Hashable, Sendable, CustomStringConvertible {
    public var call: String
    public var errno: Int32

    /// Captures the current errno.
    public init(_ call: String) {
        self.call = call
        self.errno = Glibc.errno
    }

    /// For a failure that errno does not describe (getaddrinfo's own
    /// codes): `detail` is shown instead of strerror.
    public var detail: String?

    public init(_ call: String, errno: Int32, detail: String? = nil) {
        self.call = call
        self.errno = errno
        self.detail = detail
    }

    public var description: String {
        "\(call): \(detail ?? String(cString: strerror(errno)))"
    }
}
