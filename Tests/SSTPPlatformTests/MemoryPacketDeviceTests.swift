import SSTPPlatform
import Testing

@Suite struct MemoryPacketDeviceTests {
    @Test func packetsWrittenOnOneEndAreReadOnTheOtherInOrder() throws {
        let (a, b) = try MemoryPacketDevice.pair(("mem0", 100), ("mem1", 101))
        let seam: any PacketDevice = a
        ([[0x45, 1, 2], [0x60, 3]] as [[UInt8]]).forEach { packet in packet.withUnsafeBytes { seam.write($0) } }
        #expect(b.waiting == 2)
        #expect(a.waiting == 0)
        var buffer = [UInt8](repeating: 0, count: 16)
        let first = try buffer.withUnsafeMutableBytes { try b.read(into: $0) }
        #expect(first == 3)
        #expect(Array(buffer[0..<3]) == [0x45, 1, 2])
        let second = try buffer.withUnsafeMutableBytes { try b.read(into: $0) }
        #expect(second == 2)
        #expect(Array(buffer[0..<2]) == [0x60, 3])
        #expect(try buffer.withUnsafeMutableBytes { try b.read(into: $0) } == nil)
    }

    @Test func theEventLoopWakesTheReaderOnlyWhilePacketsWait() throws {
        let loop = try EventLoop()
        let (a, b) = try MemoryPacketDevice.pair(("mem0", 100), ("mem1", 101))
        var got: [[UInt8]] = []
        try loop.add(fd: b.fd, events: .readable) { _ in
            var buffer = [UInt8](repeating: 0, count: 64)
            while let n = try? buffer.withUnsafeMutableBytes({ try b.read(into: $0) }) {
                got.append(Array(buffer[0..<n]))
            }
        }
        try loop.runOnce(maximumWait: .zero)
        #expect(got.isEmpty)
        ([0x45, 9] as [UInt8]).withUnsafeBytes { a.write($0) }
        try loop.runOnce(maximumWait: .seconds(1))
        #expect(got == [[0x45, 9]])
        // Drained: the descriptor is quiet again (level-triggered).
        try loop.runOnce(maximumWait: .zero)
        #expect(got.count == 1)
    }

    @Test func aFullQueueDropsAsARouterWould() throws {
        let (a, b) = try MemoryPacketDevice.pair(("mem0", 100), ("mem1", 101))
        b.queueLimit = 1
        ([0x45] as [UInt8]).withUnsafeBytes { a.write($0) }
        ([0x45] as [UInt8]).withUnsafeBytes { a.write($0) }
        #expect(b.waiting == 1)
        #expect(b.dropped == 1)
    }
}
