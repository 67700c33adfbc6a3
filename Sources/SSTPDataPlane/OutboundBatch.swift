/// Builds a batch of SSTP data packets (MS-SSTP 2.2.3), each a PPP frame
/// (`ff 03` + protocol, RFC 1662 §3.1) carrying one IP packet, back to back
/// in one preallocated buffer, so that one TLS write sends them all as one
/// record. IP packets are read straight into place: no copy, no allocation.
public struct OutboundBatch: ~Copyable {
    /// SSTP header (4) + PPP address, control and protocol (4).
    public static let headerLength = 8
    /// One TLS record carries at most 16 KB of plaintext (RFC 8446 §5.1).
    public static let defaultCapacity = 16384

    public let capacity: Int
    private let storage: UnsafeMutableRawBufferPointer
    public private(set) var count = 0
    public private(set) var packetCount = 0

    public init(capacity: Int = OutboundBatch.defaultCapacity) {
        self.capacity = capacity
        storage = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 16)
    }

    deinit {
        storage.deallocate()
    }

    public var isEmpty: Bool { count == 0 }

    /// Free bytes for the next IP packet after its 8-byte header.
    public var spaceForNextPacket: Int { max(0, capacity - count - Self.headerLength) }

    /// Where the next IP packet goes (its headers are written by `commit`).
    public var nextPacketSpace: UnsafeMutableRawBufferPointer {
        UnsafeMutableRawBufferPointer(rebasing: storage[(count + Self.headerLength)..<capacity])
    }

    /// Adds the headers for an IP packet of `length` bytes already written
    /// at `nextPacketSpace`, with PPP protocol `protocolNumber` (0x0021 for
    /// IPv4, 0x0057 for IPv6).
    public mutating func commit(length: Int, protocolNumber: UInt16) {
        let base = storage.baseAddress.unsafelyUnwrapped + count
        let total = length + Self.headerLength
        // §2.2.1: version 0x10, C = 0, 12-bit length of the whole packet.
        base.storeBytes(of: 0x10, as: UInt8.self)
        base.storeBytes(of: 0x00, toByteOffset: 1, as: UInt8.self)
        base.storeBytes(of: UInt8(total >> 8), toByteOffset: 2, as: UInt8.self)
        base.storeBytes(of: UInt8(total & 0xff), toByteOffset: 3, as: UInt8.self)
        base.storeBytes(of: 0xff, toByteOffset: 4, as: UInt8.self)
        base.storeBytes(of: 0x03, toByteOffset: 5, as: UInt8.self)
        base.storeBytes(of: UInt8(protocolNumber >> 8), toByteOffset: 6, as: UInt8.self)
        base.storeBytes(of: UInt8(protocolNumber & 0xff), toByteOffset: 7, as: UInt8.self)
        count += total
        packetCount += 1
    }

    /// Appends already-framed bytes (a control packet, a PPP control frame
    /// in its SSTP packet). Returns false if they do not fit.
    public mutating func append(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard bytes.count <= capacity - count else { return false }
        UnsafeMutableRawBufferPointer(rebasing: storage[count..<(count + bytes.count)]).copyMemory(from: bytes)
        count += bytes.count
        packetCount += 1
        return true
    }

    /// The bytes to write.
    public var bytes: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: storage[0..<count])
    }

    /// Drops the first `n` written bytes (a partial write), keeping the rest.
    public mutating func consume(_ n: Int) {
        guard n > 0 else { return }
        if n >= count {
            count = 0
            packetCount = 0
            return
        }
        let base = storage.baseAddress.unsafelyUnwrapped
        (base).copyMemory(from: base + n, byteCount: count - n)
        count -= n
    }

    public mutating func reset() {
        count = 0
        packetCount = 0
    }
}
