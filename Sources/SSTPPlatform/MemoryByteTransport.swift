import CSSTPPlatform
import Glibc

/// One end of an in-memory byte stream: what one end writes, the other end
/// reads, in order. Each end has an eventfd that is readable while bytes,
/// an end of stream or a reset wait (and is always writable), so an
/// `EventLoop` serves it like a socket. For tests: `delivery` cuts the
/// stream into one-byte or small random pieces on both reads and writes,
/// each piece followed by one would-block (the descriptor stays ready, so
/// the caller goes back to the loop and comes again, as when TCP segments
/// arrive one by one), and `cut` ends it the way a dying peer would.
public final class MemoryByteTransport: ByteTransport {
    /// How reads and writes cut the stream.
    public enum Delivery: Sendable, Equatable {
        /// As much as asked for and waiting.
        case whole
        /// One byte per read and per write.
        case oneByte
        /// 1 to `maximum` bytes per call, from a generator seeded with
        /// `seed` (the same seed gives the same pieces).
        case randomChunks(maximum: Int, seed: UInt64)
    }

    /// How the peer learns that the stream is over.
    public enum Cut: Sendable, Equatable {
        /// It reads what was sent, then the end of the stream.
        case endOfStream
        /// Its next read fails with ECONNRESET; what was not read is lost.
        case reset
    }

    public let fd: Int32
    public var kernelSocket: Int32? { nil }
    public let delivery: Delivery
    /// Bytes this end has written (what the peer was offered).
    public private(set) var bytesWritten = 0
    private weak var peer: MemoryByteTransport?
    private var inbox: [UInt8] = []
    private var head = 0
    private var inboxEnded = false
    private var inboxReset = false
    private var writeShut = false
    private var closed = false
    private var signalled = false
    private var random: UInt64
    /// A piece went through: the next read (write) says wouldBlock once.
    private var readPaused = false
    private var writePaused = false

    private init(delivery: Delivery) throws(SystemError) {
        let fd = eventfd(0, Int32(EFD_CLOEXEC | EFD_NONBLOCK))
        guard fd >= 0 else { throw SystemError("eventfd") }
        self.fd = fd
        self.delivery = delivery
        if case .randomChunks(_, let seed) = delivery { random = seed } else { random = 0 }
    }

    deinit {
        if !closed { _ = Glibc.close(fd) }
    }

    /// Two joined ends with the same delivery. The caller keeps both (an
    /// end holds its peer weakly).
    public static func pair(delivery: Delivery = .whole) throws(SystemError)
        -> (MemoryByteTransport, MemoryByteTransport)
    {
        var other = delivery
        if case .randomChunks(let maximum, let seed) = delivery {
            // The other direction cuts differently from the same seed.
            other = .randomChunks(maximum: maximum, seed: seed ^ 0x9e37_79b9)
        }
        let first = try MemoryByteTransport(delivery: delivery)
        let second = try MemoryByteTransport(delivery: other)
        first.peer = second
        second.peer = first
        return (first, second)
    }

    /// Bytes waiting to be read on this end.
    public var waiting: Int { inbox.count - head }

    public func read(into buffer: UnsafeMutableRawBufferPointer) -> ByteTransportResult {
        guard !closed else { return .failed(errno: EBADF) }
        if inboxReset {
            settleSignal()
            return .failed(errno: ECONNRESET)
        }
        guard waiting > 0 else {
            settleSignal()
            return inboxEnded ? .endOfStream : .wouldBlock
        }
        guard let base = buffer.baseAddress, !buffer.isEmpty else { return .wouldBlock }
        if readPaused {
            // Still readable: the loop calls again on its next turn.
            readPaused = false
            return .wouldBlock
        }
        readPaused = delivery != .whole
        let n = min(nextPiece(), waiting, buffer.count)
        inbox.withUnsafeBytes { source in
            guard let from = source.baseAddress else { return }
            base.copyMemory(from: from + head, byteCount: n)
        }
        head += n
        if head == inbox.count {
            inbox.removeAll(keepingCapacity: true)
            head = 0
        }
        settleSignal()
        return .bytes(n)
    }

    public func write(_ bytes: UnsafeRawBufferPointer) -> ByteTransportResult {
        guard !closed else { return .failed(errno: EBADF) }
        guard !bytes.isEmpty else { return .bytes(0) }
        guard !writeShut, let peer, !peer.closed, !peer.inboxReset else { return .failed(errno: EPIPE) }
        if writePaused {
            // The eventfd is always writable: the caller retries next turn.
            writePaused = false
            return .wouldBlock
        }
        writePaused = delivery != .whole
        let n = min(nextPiece(), bytes.count)
        peer.inbox.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[0..<n]))
        bytesWritten += n
        peer.settleSignal()
        return .bytes(n)
    }

    public func shutdownWrite() {
        guard !writeShut else { return }
        writeShut = true
        peer?.inboxEnded = true
        peer?.settleSignal()
    }

    /// Ends the stream now, as a peer that dies would: this end stops, the
    /// other end sees `how`.
    public func cut(_ how: Cut) {
        writeShut = true
        if let peer {
            switch how {
            case .endOfStream: peer.inboxEnded = true
            case .reset:
                peer.inboxReset = true
                peer.inbox.removeAll()
                peer.head = 0
            }
            peer.settleSignal()
        }
        inboxReset = true
        settleSignal()
    }

    public func close() {
        guard !closed else { return }
        shutdownWrite()
        closed = true
        _ = Glibc.close(fd)
    }

    /// The eventfd is readable exactly while a read would not block.
    private func settleSignal() {
        guard !closed else { return }
        let wanted = waiting > 0 || inboxEnded || inboxReset
        guard wanted != signalled else { return }
        var count: UInt64 = wanted ? 1 : 0
        if wanted { _ = Glibc.write(fd, &count, 8) } else { _ = Glibc.read(fd, &count, 8) }
        signalled = wanted
    }

    /// The size of the next piece (SplitMix64 for the random cuts).
    private func nextPiece() -> Int {
        switch delivery {
        case .whole: return Int.max
        case .oneByte: return 1
        case .randomChunks(let maximum, _):
            random &+= 0x9e37_79b9_7f4a_7c15
            var z = random
            z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
            z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
            z ^= z >> 31
            return 1 + Int(z % UInt64(max(1, maximum)))
        }
    }
}
