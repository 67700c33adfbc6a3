import Glibc
import SSTPPlatform
import Testing

/// The prefix is read first, in whatever pieces the reader asks for, then
/// the transport under it; writes and the close go to that transport.
@Suite struct PrefixedByteTransportTests {
    static func read(_ transport: any ByteTransport, _ count: Int) -> ByteTransportResult {
        var buffer = [UInt8](repeating: 0, count: count)
        return buffer.withUnsafeMutableBytes { transport.read(into: $0) }
    }

    @Test func prefixFirstThenTheLowerStream() throws {
        let (near, far) = try MemoryByteTransport.pair()
        _ = [UInt8]([7, 8]).withUnsafeBytes { far.write($0) }
        let prefixed = PrefixedByteTransport(prefix: [1, 2, 3], lower: near)
        #expect(prefixed.kernelSocket == nil)
        #expect(prefixed.fd == near.fd)
        var got: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 2)
        for _ in 0..<4 {
            if case .bytes(let n) = buffer.withUnsafeMutableBytes({ prefixed.read(into: $0) }) {
                got += buffer[0..<n]
            }
        }
        #expect(got == [1, 2, 3, 7, 8])
        #expect(prefixed.prefixLeft == 0)
        #expect(Self.read(prefixed, 8) == .wouldBlock)
    }

    @Test func writesAndCloseGoBelow() throws {
        let (near, far) = try MemoryByteTransport.pair()
        let prefixed = PrefixedByteTransport(prefix: [1], lower: near)
        #expect([UInt8]([5, 6]).withUnsafeBytes { prefixed.write($0) } == .bytes(2))
        var buffer = [UInt8](repeating: 0, count: 4)
        #expect(buffer.withUnsafeMutableBytes { far.read(into: $0) } == .bytes(2))
        #expect(buffer[0..<2] == [5, 6])
        prefixed.close()
        #expect(prefixed.prefixLeft == 0)
        #expect(Self.read(near, 1) == .failed(errno: EBADF))
        #expect(Self.read(far, 1) == .endOfStream)
    }
}
