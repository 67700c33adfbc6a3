/// Splits a byte stream into whole SSTP packets (MS-SSTP 2.2.1), whatever
/// the split of the input. It checks only what delineation needs (version,
/// length); the packet's content is parsed by the caller. §3.1.5.1: when
/// delineation fails the connection must be dropped, so after an error the
/// deframer stays failed.
///
/// It holds at most one partial packet, in a buffer allocated once, and
/// hands whole packets to the caller in place: no allocation per packet.
public struct SSTPDeframer: Sendable {
    /// A packet found in the stream; `bytes` (header included) is valid only
    /// during the callback.
    public struct Frame {
        public var isControl: Bool
        public var bytes: UnsafeRawBufferPointer
        /// The bytes after the 4-byte header.
        public var body: UnsafeRawBufferPointer {
            UnsafeRawBufferPointer(rebasing: bytes[sstpPacketHeaderLength...])
        }
    }

    private var partial: [UInt8]
    private var failure: SSTPWireError?
    public let options: SSTPParseOptions

    /// `capacity`: bytes to reserve for a packet split across reads (a
    /// whole packet at most, the default); 0 makes a deframer that
    /// allocates nothing until it must keep a partial packet.
    public init(options: SSTPParseOptions = .default, reserving capacity: Int = sstpMaxPacketLength) {
        self.options = options
        partial = []
        if capacity > 0 { partial.reserveCapacity(min(capacity, sstpMaxPacketLength)) }
    }

    /// Bytes of an incomplete packet held until more input arrives (< 4095).
    public var bufferedByteCount: Int { partial.count }

    /// Feeds bytes; calls `body` for each whole packet, in order.
    public mutating func feed(
        _ input: UnsafeRawBufferPointer, _ body: (Frame) throws -> Void
    ) throws {
        if let failure { throw failure }
        var offset = 0
        do {
            // Complete a packet begun in an earlier call.
            if !partial.isEmpty {
                if partial.count < sstpPacketHeaderLength {
                    let take = min(sstpPacketHeaderLength - partial.count, input.count)
                    partial.append(contentsOf: input[0..<take])
                    offset = take
                    if partial.count < sstpPacketHeaderLength { return }
                }
                let header = try SSTPPacketHeader(
                    partial[0], partial[1], partial[2], partial[3], options: options)
                let take = min(header.length - partial.count, input.count - offset)
                partial.append(contentsOf: input[offset..<(offset + take)])
                offset += take
                if partial.count < header.length { return }
                try partial.withUnsafeBytes { whole in
                    try body(Frame(isControl: header.isControl, bytes: whole))
                }
                partial.removeAll(keepingCapacity: true)
            }
            // Whole packets straight from the input.
            while input.count - offset >= sstpPacketHeaderLength {
                let header = try SSTPPacketHeader(
                    input[offset], input[offset + 1], input[offset + 2], input[offset + 3],
                    options: options)
                guard input.count - offset >= header.length else { break }
                let frame = UnsafeRawBufferPointer(
                    rebasing: input[offset..<(offset + header.length)])
                try body(Frame(isControl: header.isControl, bytes: frame))
                offset += header.length
            }
            // Keep the start of the next packet.
            if offset < input.count {
                partial.append(contentsOf: input[offset...])
                if partial.count >= sstpPacketHeaderLength {
                    // Validate the header now, so a bad stream fails early.
                    _ = try SSTPPacketHeader(
                        partial[0], partial[1], partial[2], partial[3], options: options)
                }
            }
        } catch let error as SSTPWireError {
            failure = error
            partial.removeAll()
            throw error
        }
    }

    /// Convenience for tests and control paths: parsed packets, in order.
    public mutating func feed<Bytes: Collection<UInt8>>(_ bytes: Bytes) throws -> [SSTPPacket] {
        var out: [SSTPPacket] = []
        let array = Array(bytes)
        let options = self.options
        try array.withUnsafeBytes { raw in
            try feed(raw) { frame in
                out.append(try SSTPPacket(parsing: frame.bytes, options: options))
            }
        }
        return out
    }
}
