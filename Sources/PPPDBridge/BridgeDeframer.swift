/// Cuts the byte stream of one bridge connection into messages. Pure: the
/// caller reads the socket and feeds whatever arrived.
public struct BridgeDeframer: Sendable {
    private var buffer: [UInt8] = []
    private var failure: BridgeError?

    public init() {}

    /// Bytes of an incomplete message held for the next `feed`; at most
    /// 4095. Non-zero at EOF means the peer stopped inside a message.
    public var bufferedByteCount: Int { buffer.count }

    /// Takes bytes in any split and returns the messages they complete, in
    /// order. The first malformed message throws its error; so does every
    /// later call (the connection is beyond repair), and messages completed
    /// earlier in the same call are not returned. The version is checked as
    /// soon as a message's first byte arrives, the type with its second.
    public mutating func feed(_ bytes: some Collection<UInt8>) throws(BridgeError) -> [BridgeMessage] {
        if let failure { throw failure }
        buffer.append(contentsOf: bytes)
        do {
            var messages: [BridgeMessage] = []
            var start = buffer.startIndex
            while let (message, next) = try Self.message(in: buffer, at: start) {
                messages.append(message)
                start = next
            }
            buffer.removeSubrange(buffer.startIndex..<start)
            return messages
        } catch {
            failure = error
            buffer = []
            throw error
        }
    }

    /// The message starting at `start` and the index after it, or nil when
    /// more bytes are needed.
    private static func message(in buffer: [UInt8], at start: Int) throws(BridgeError) -> (BridgeMessage, Int)? {
        let available = buffer.endIndex - start
        guard available >= 1 else { return nil }
        guard buffer[start] == BridgeMessage.protocolVersion else { throw .unsupportedVersion(buffer[start]) }
        guard available >= 2 else { return nil }
        guard let type = BridgeMessageType(rawValue: buffer[start + 1]) else {
            throw .unknownMessageType(buffer[start + 1])
        }
        guard available >= BridgeMessage.headerLength else { return nil }
        let length = Int(buffer[start + 2]) << 8 | Int(buffer[start + 3])
        guard length <= BridgeMessage.maxBodyLength else { throw .bodyTooLong(length) }
        let bodyStart = start + BridgeMessage.headerLength
        guard buffer.endIndex - bodyStart >= length else { return nil }
        let message = try BridgeMessage.decode(type: type, body: buffer[bodyStart..<bodyStart + length])
        return (message, bodyStart + length)
    }
}
