import CSSTPPlatform
import Glibc

/// A pipe a child writes its log to (its write end given to the child, as
/// descriptor 3 say), read on the event loop and handed on line by line.
/// Empty lines are skipped; a line longer than 64 KiB is dropped.
public final class LogPipe {
    unowned let loop: EventLoop
    /// The child's end: pass it to the child, then `closeWriteEnd()`.
    public private(set) var writeEnd: Int32
    private var readEnd: Int32
    private var pending: [UInt8] = []
    private let onLine: (String) -> Void
    private let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 16)

    /// Both ends close-on-exec (the spawn makes the child's copy of the
    /// write end inheritable); the read end non-blocking.
    public init(loop: EventLoop, onLine: @escaping (String) -> Void) throws(SystemError) {
        var fds: [Int32] = [-1, -1]
        guard csstp_pipe_cloexec(&fds) == 0 else {
            buffer.deallocate()
            throw SystemError("pipe")
        }
        readEnd = fds[0]
        writeEnd = fds[1]
        self.loop = loop
        self.onLine = onLine
        _ = fcntl(readEnd, F_SETFL, fcntl(readEnd, F_GETFL) | O_NONBLOCK)
        do {
            try loop.add(fd: readEnd, events: .readable) { [weak self] _ in self?.readable() }
        } catch {
            Glibc.close(readEnd)
            Glibc.close(writeEnd)
            readEnd = -1
            writeEnd = -1
            throw error
        }
    }

    deinit {
        close()
        buffer.deallocate()
    }

    /// Our copy of the write end, once the child has its own: the read end
    /// then sees the end of the stream when the child exits.
    public func closeWriteEnd() {
        guard writeEnd >= 0 else { return }
        Glibc.close(writeEnd)
        writeEnd = -1
    }

    /// Stops reading and closes both ends.
    public func close() {
        closeWriteEnd()
        guard readEnd >= 0 else { return }
        loop.remove(fd: readEnd)
        Glibc.close(readEnd)
        readEnd = -1
    }

    private func readable() {
        while readEnd >= 0 {
            let n = read(readEnd, buffer.baseAddress, buffer.count)
            if n <= 0 {
                if n == 0 {
                    loop.remove(fd: readEnd)
                    Glibc.close(readEnd)
                    readEnd = -1
                }
                return
            }
            pending += UnsafeRawBufferPointer(rebasing: buffer[0..<n])
            while let newline = pending.firstIndex(of: 10) {
                let line = String(decoding: pending[..<newline], as: UTF8.self)
                pending.removeSubrange(...newline)
                if !line.isEmpty { onLine(line) }
            }
            if pending.count > 65536 { pending.removeAll() }
        }
    }
}
