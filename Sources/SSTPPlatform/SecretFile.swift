import Glibc

/// Reading the small files options name: a secret file's first line, read
/// incrementally and refused above a byte limit (so /dev/zero or a huge
/// file cannot fill memory), and a check that a named file can be read.
public enum SecretFile {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// The first line (without CR LF) of the file at `path`, or of standard
    /// input for "-" when `allowStandardInput`. Refuses a line longer than
    /// `limit` bytes, an empty first line, and anything but a regular file,
    /// a pipe or a character device.
    public static func firstLine(
        _ path: String, limit: Int, allowStandardInput: Bool = false
    ) throws(Failure) -> String {
        let fd: Int32
        if path == "-", allowStandardInput {
            fd = 0
        } else {
            fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)
            guard fd >= 0 else {
                throw Failure(description: "cannot read \(path): \(String(cString: strerror(errno)))")
            }
        }
        defer { if fd != 0 { close(fd) } }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            throw Failure(description: "cannot read \(path): \(String(cString: strerror(errno)))")
        }
        if st.st_mode & S_IFMT == S_IFDIR { throw Failure(description: "\(path) is a directory, not a file") }
        var line: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 512)
        reading: while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw Failure(description: "cannot read \(path): \(String(cString: strerror(errno)))")
            }
            if n == 0 { break }
            for byte in chunk[0..<n] {
                if byte == 10 { break reading }
                line.append(byte)
                // One byte over the limit (a CR may still follow and go).
                if line.count > limit + 1 {
                    throw Failure(description: "\(path): the first line is longer than \(limit) bytes")
                }
            }
        }
        if line.last == 13 { line.removeLast() }
        guard line.count <= limit else {
            throw Failure(description: "\(path): the first line is longer than \(limit) bytes")
        }
        guard !line.isEmpty else { throw Failure(description: "\(path) is empty") }
        return String(decoding: line, as: UTF8.self)
    }

    /// Throws unless `path` is a regular file this process can read.
    public static func checkReadable(_ path: String) throws(Failure) {
        var st = stat()
        guard stat(path, &st) == 0 else {
            throw Failure(description: "cannot read \(path): \(String(cString: strerror(errno)))")
        }
        guard st.st_mode & S_IFMT == S_IFREG else {
            throw Failure(
                description: "\(path) is \(st.st_mode & S_IFMT == S_IFDIR ? "a directory" : "not a regular file")")
        }
        guard access(path, R_OK) == 0 else {
            throw Failure(description: "cannot read \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// The whole file, at most `limit` bytes; refuses a directory and a
    /// larger file.
    public static func contents(_ path: String, limit: Int) throws(Failure) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)
        guard fd >= 0 else { throw Failure(description: "cannot read \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            throw Failure(description: "cannot read \(path): \(String(cString: strerror(errno)))")
        }
        if st.st_mode & S_IFMT == S_IFDIR { throw Failure(description: "\(path) is a directory, not a file") }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw Failure(description: "cannot read \(path): \(String(cString: strerror(errno)))")
            }
            if n == 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
            if bytes.count > limit { throw Failure(description: "\(path) is larger than \(limit) bytes") }
        }
        return bytes
    }
}
