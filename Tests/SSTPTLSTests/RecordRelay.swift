import Glibc

/// Carries bytes from one socket to another and parses the TLS record
/// headers on the way (RFC 8446 §5.1: type, legacy version, 16-bit
/// length), so tests can see how the bytes were cut into records.
struct RecordRelay {
    struct Record: Hashable {
        var type: UInt8
        var length: Int
    }

    let source: Int32
    let destination: Int32
    private(set) var records: [Record] = []
    /// Changes bytes on their way (tests that tamper with a handshake).
    var rewrite: ((inout [UInt8]) -> Void)?
    /// At most this many bytes per step (a slow link: the senders' sockets
    /// fill up and their writes block).
    var bytesPerStep = Int.max
    private var backlog: [UInt8] = []
    private var header: [UInt8] = []
    private var bodyLeft = 0
    private var sourceClosed = false
    private var closeForwarded = false

    init(from source: Int32, to destination: Int32) {
        self.source = source
        self.destination = destination
    }

    /// One non-blocking read and one non-blocking write.
    mutating func step(scratch: UnsafeMutableRawBufferPointer) {
        if !sourceClosed, backlog.count < min(1 << 20, bytesPerStep) {
            let n = Glibc.read(source, scratch.baseAddress, min(scratch.count, bytesPerStep))
            if n > 0 {
                var bytes = Array(UnsafeRawBufferPointer(rebasing: scratch[0..<n]))
                rewrite?(&bytes)
                bytes.withUnsafeBytes { parse($0) }
                backlog.append(contentsOf: bytes)
            } else if n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK) {
                sourceClosed = true
            }
        }
        if !backlog.isEmpty {
            let n = backlog.withUnsafeBytes { Glibc.write(destination, $0.baseAddress, $0.count) }
            if n > 0 {
                backlog.removeFirst(n)
            } else if n < 0, errno != EAGAIN, errno != EWOULDBLOCK {
                backlog.removeAll()
            }
        }
        if sourceClosed, backlog.isEmpty, !closeForwarded {
            Glibc.shutdown(destination, Int32(SHUT_WR))
            closeForwarded = true
        }
    }

    private mutating func parse(_ bytes: UnsafeRawBufferPointer) {
        var i = 0
        while i < bytes.count {
            if bodyLeft > 0 {
                let n = min(bodyLeft, bytes.count - i)
                bodyLeft -= n
                i += n
                continue
            }
            header.append(bytes[i])
            i += 1
            if header.count == 5 {
                let length = Int(header[3]) << 8 | Int(header[4])
                records.append(Record(type: header[0], length: length))
                bodyLeft = length
                header.removeAll(keepingCapacity: true)
            }
        }
    }
}
