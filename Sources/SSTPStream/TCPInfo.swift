import Glibc

/// One getsockopt(TCP_INFO) of a TCP socket: Linux's struct tcp_info, read
/// into room for newer kernels' larger struct (256 bytes), its fields taken
/// at their offsets. On the stack, nothing allocated: the pacer reads it
/// per record.
struct TCPInfo {
    private var raw = (
        (UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0)),
        (UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0)),
        (UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0)),
        (UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0))
    )
    /// Nil when the call fails or the kernel's struct ends before
    /// `minimumLength` (the end of the last field the caller reads).
    init?(_ fd: Int32, minimumLength: Int) {
        var size = socklen_t(MemoryLayout.size(ofValue: raw))
        let r = withUnsafeMutableBytes(of: &raw) {
            getsockopt(fd, Int32(IPPROTO_TCP), TCP_INFO, $0.baseAddress, &size)
        }
        guard r == 0, Int(size) >= minimumLength else { return nil }
    }

    /// The unsigned 64-bit field at `offset` (within `minimumLength`).
    func u64(at offset: Int) -> UInt64 {
        withUnsafeBytes(of: raw) { $0.load(fromByteOffset: offset, as: UInt64.self) }
    }

    /// The unsigned 32-bit field at `offset` (within `minimumLength`).
    func u32(at offset: Int) -> UInt32 {
        withUnsafeBytes(of: raw) { $0.load(fromByteOffset: offset, as: UInt32.self) }
    }
}
