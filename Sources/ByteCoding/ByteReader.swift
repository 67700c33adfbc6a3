/// A cursor over received bytes. Every read is bounds-checked and returns
/// `nil` when the input is too short, so parsers turn a short input into a
/// typed error instead of trapping.
public struct ByteReader: Sendable {
    public private(set) var bytes: ArraySlice<UInt8>

    public init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
    }

    public init(_ bytes: [UInt8]) {
        self.bytes = bytes[...]
    }

    /// Bytes not yet read.
    public var remaining: Int { bytes.count }

    public var isAtEnd: Bool { bytes.isEmpty }

    public mutating func readUInt8() -> UInt8? {
        guard let first = bytes.first else { return nil }
        bytes = bytes.dropFirst()
        return first
    }

    /// Network byte order (big-endian).
    public mutating func readUInt16() -> UInt16? {
        guard bytes.count >= 2 else { return nil }
        let i = bytes.startIndex
        let value = UInt16(bytes[i]) << 8 | UInt16(bytes[i + 1])
        bytes = bytes.dropFirst(2)
        return value
    }

    /// Network byte order (big-endian).
    public mutating func readUInt32() -> UInt32? {
        guard bytes.count >= 4 else { return nil }
        let i = bytes.startIndex
        let value =
            UInt32(bytes[i]) << 24 | UInt32(bytes[i + 1]) << 16 | UInt32(bytes[i + 2]) << 8
            | UInt32(bytes[i + 3])
        bytes = bytes.dropFirst(4)
        return value
    }

    public mutating func readBytes(_ count: Int) -> ArraySlice<UInt8>? {
        guard count >= 0, bytes.count >= count else { return nil }
        let out = bytes.prefix(count)
        bytes = bytes.dropFirst(count)
        return out
    }

    public mutating func readRest() -> ArraySlice<UInt8> {
        let out = bytes
        bytes = bytes.suffix(0)
        return out
    }

    /// Looks at the next bytes without consuming them.
    public func peekUInt16(at offset: Int = 0) -> UInt16? {
        guard offset >= 0, bytes.count >= offset + 2 else { return nil }
        let i = bytes.startIndex + offset
        return UInt16(bytes[i]) << 8 | UInt16(bytes[i + 1])
    }
}
