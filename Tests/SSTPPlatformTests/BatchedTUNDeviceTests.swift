import Glibc
import SSTPPlatform
import XCTest

// setns(2) and CLONE_NEWNET need _GNU_SOURCE, which Glibc's module map
// does not define; the test declares the one call it makes.
@_silgen_name("setns") private func enterNamespace(_ fd: Int32, _ type: Int32) -> Int32
private let cloneNewNet: Int32 = 0x4000_0000

/// BatchedTUNDevice against a real TUN, in a network namespace of its own
/// (named with our PID, deleted at the end): UDP datagrams sent to an
/// address routed through the TUN come out of the io_uring reader whole
/// and in order, also when there are more of them than buffers (the
/// multishot read ends and is armed again) and when the owner stops
/// reading for a while; and the fallback to the plain device.
final class BatchedTUNDeviceTests: XCTestCase {
    final class Outcome: @unchecked Sendable {
        var error: String?
        var skipped: String?
        var batched = false
        var payloads: [[UInt8]] = []
        var afterPause: [[UInt8]] = []
        var headersRight = true
        var refusedIsDevice = false
    }

    static let ip = (["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip"] as [String]).first { access($0, X_OK) == 0 }

    func testPlainTUNDeliversEveryDatagramInOrder() throws {
        try runInNamespace(offload: false)
    }

    func testOffloadTUNDeliversEveryDatagramInOrder() throws {
        try runInNamespace(offload: true)
    }

    private func runInNamespace(offload: Bool) throws {
        guard geteuid() == 0, let ip = Self.ip else { throw XCTSkip("needs root and ip(8)") }
        let ns = "sstpbt\(getpid())"
        XCTAssertEqual(try Command.run(ip, ["netns", "add", ns]).status, 0)
        defer { _ = try? Command.run(ip, ["netns", "del", ns]) }
        let outcome = Outcome()
        let thread = try OSThread.start { Self.exercise(namespace: ns, ip: ip, offload: offload, outcome) }
        thread.join()
        if let skipped = outcome.skipped { throw XCTSkip(skipped) }
        XCTAssertNil(outcome.error)
        XCTAssertTrue(outcome.batched, "a TUNDevice is read through io_uring on this kernel")
        let expected = (0..<40).map { Self.payload($0) }
        XCTAssertEqual(outcome.payloads, expected, "every datagram, whole and in order")
        XCTAssertEqual(outcome.afterPause, (100..<120).map { Self.payload($0) }, "what waited while not read")
        XCTAssertTrue(outcome.refusedIsDevice, "a refused ring falls back to the device")
        XCTAssertTrue(outcome.headersRight, "each virtio header apart from its packet, and right")
    }

    /// A datagram's virtio_net_hdr (flags, gso_type, hdr_len, gso_size,
    /// csum_start, csum_offset): no segmentation, and either no checksum
    /// to complete or the UDP checksum after a 20-byte IPv4 header. All
    /// zero without offload.
    static func headerIsRight(_ h: UnsafeMutableRawBufferPointer) -> Bool {
        let start = Int(h[6]) | Int(h[7]) << 8
        let offset = Int(h[8]) | Int(h[9]) << 8
        return h[1] == 0 && (h.allSatisfy { $0 == 0 } || (h[0] == 1 && start == 20 && offset == 6))
    }

    static func payload(_ i: Int) -> [UInt8] { (0..<(64 + i)).map { UInt8(truncatingIfNeeded: $0 &+ i) } }

    /// On its own thread: joins the namespace, makes the TUN, sends
    /// datagrams through it and reads them back.
    static func exercise(namespace: String, ip: String, offload: Bool, _ outcome: Outcome) {
        let nsFD = Glibc.open("/run/netns/\(namespace)", O_RDONLY | O_CLOEXEC)
        guard nsFD >= 0, enterNamespace(nsFD, cloneNewNet) == 0 else {
            outcome.error = "cannot enter \(namespace): errno \(errno)"
            return
        }
        close(nsFD)
        do {
            let device = try TUNDevice(name: "sstpbt%d", offload: offload)
            try device.setMTU(1400)
            try device.configureIPv6(enabled: false)
            try device.setUp(true)
            guard try Command.run(ip, ["addr", "add", "10.78.0.1/24", "dev", device.name]).status == 0 else {
                outcome.error = "ip addr add failed"
                return
            }
            // A ring the kernel refuses (EINVAL here, EPERM or ENOSYS
            // elsewhere) leaves the TUN to be read with read(2).
            outcome.refusedIsDevice = BatchedTUNDevice.wrapping(device, slots: 3) === device
            // Four buffers, fewer than the datagrams sent at once.
            let tun = BatchedTUNDevice.wrapping(device, slots: 4)
            outcome.batched = tun is BatchedTUNDevice
            guard outcome.batched else {
                outcome.skipped = "io_uring multishot reads unavailable here (Linux 6.7+, not disabled)"
                return
            }
            let loop = try EventLoop()
            try loop.add(fd: tun.fd, events: .readable) { _ in }
            let sender = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
            guard sender >= 0 else { throw SystemError("socket") }
            defer { close(sender) }
            var to = sockaddr_in()
            to.sin_family = sa_family_t(AF_INET)
            to.sin_port = UInt16(9).bigEndian
            to.sin_addr.s_addr = UInt32(0x0a4e_0002).bigEndian  // 10.78.0.2, through the TUN
            func send(_ i: Int) {
                let bytes = payload(i)
                _ = withUnsafePointer(to: &to) { address in
                    address.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        sendto(sender, bytes, bytes.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                    }
                }
            }
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 65536, alignment: 16)
            let header = UnsafeMutableRawBufferPointer.allocate(byteCount: 10, alignment: 16)
            defer {
                buffer.deallocate()
                header.deallocate()
            }
            /// Reads UDP payloads until `count` came or the loop has been
            /// idle for a while (bounded: a lost wake-up fails the test).
            func collect(_ count: Int) throws -> [[UInt8]] {
                var got: [[UInt8]] = []
                var idle = 0
                while got.count < count, idle < 40 {
                    try loop.runOnce(maximumWait: .milliseconds(50))
                    var any = false
                    while let n = try tun.read(into: buffer, virtioHeader: header) {
                        any = true
                        if !headerIsRight(header) { outcome.headersRight = false }
                        // IPv4 (20 bytes), UDP (8 bytes), the payload.
                        guard n > 28, buffer[0] >> 4 == 4, buffer[9] == 17 else { continue }
                        got.append(Array(buffer[28..<n]))
                    }
                    idle = any ? 0 : idle + 1
                }
                return got
            }
            for i in 0..<40 { send(i) }
            outcome.payloads = try collect(40)
            // Not read while these arrive: the buffers fill, the read ends,
            // the rest waits in the TUN's queue until reading resumes.
            for i in 100..<120 { send(i) }
            usleep(100_000)
            outcome.afterPause = try collect(20)
        } catch {
            outcome.error = "\(error)"
        }
    }

    func testFallsBackToTheDeviceItself() throws {
        let (a, _) = try MemoryPacketDevice.pair(("a", 1), ("b", 2))
        XCTAssertTrue(BatchedTUNDevice.wrapping(a) === a, "only a TUNDevice is wrapped")
        // A refused ring (here: a buffer count that is not a power of two,
        // as the kernel's EPERM or ENOSYS would be) leaves the device as it is.
        XCTAssertThrowsError(try BatchedTUNDevice(a, slots: 3)) { error in
            XCTAssertEqual((error as? SystemError)?.errno, EINVAL)
        }
        XCTAssertThrowsError(try BatchedTUNDevice(a, slots: 0))
    }
}
