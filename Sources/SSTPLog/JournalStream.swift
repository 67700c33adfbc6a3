import Glibc

/// systemd's JOURNAL_STREAM (systemd.exec(5)): "DEVICE:INODE" of the stream
/// a service's standard output or error is connected to, both decimal.
/// Standard error is the journal when its fstat matches the pair.
public struct JournalStream: Equatable, Sendable {
    public let device: UInt64
    public let inode: UInt64

    public init(device: UInt64, inode: UInt64) {
        self.device = device
        self.inode = inode
    }

    /// Parses "DEVICE:INODE"; nil for anything else.
    public init?(_ text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let device = UInt64(parts[0]), let inode = UInt64(parts[1]) else { return nil }
        self.init(device: device, inode: inode)
    }

    /// The device and inode of an open file descriptor.
    public static func of(fd: Int32) -> JournalStream? {
        var st = stat()
        guard fstat(fd, &st) == 0 else { return nil }
        return JournalStream(device: UInt64(st.st_dev), inode: UInt64(st.st_ino))
    }

    /// Is `fd` the stream JOURNAL_STREAM names?
    public static func isJournal(fd: Int32, environment value: String?) -> Bool {
        guard let value, let expected = JournalStream(value), let actual = of(fd: fd) else { return false }
        return expected == actual
    }
}
