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

    public init(_ call: String, errno: Int32) {
        self.call = call
        self.errno = errno
    }

    public var description: String {
        "\(call): \(String(cString: strerror(errno)))"
    }
}
