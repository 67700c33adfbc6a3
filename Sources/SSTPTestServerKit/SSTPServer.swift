import Glibc
import PPP
import SSTPCrypto
import SSTPDataPlane
import SSTPHTTP
public import SSTPPlatform
import SSTPSession
import SSTPStream
import SSTPTLS
import SSTPWire

/// The bundled SSTP test server: many clients on one event loop, one TUN for
/// all of them, an address pool, and the server roles of the SSTP and PPP
/// state machines. It checks every client's crypto binding (MS-SSTP
/// 3.3.5.2.3) and logs the result, so tests can tell.
public final class SSTPServer {
    public typealias Log = (String) -> Void

    public let options: ServerOptions
    unowned let loop: EventLoop
    let log: Log
    let tls: TLSServerContext
    private var listener: Int32 = -1
    private(set) var tun: (any PacketDevice)?
    private var connections: [ObjectIdentifier: ServerConnection] = [:]
    /// Who has which IPv4 address, and which IPv6 interface identifier.
    private var byAddress: [UInt32: ServerConnection] = [:]
    private var byInterfaceID: [UInt64: ServerConnection] = [:]
    private var freeAddresses: [UInt32]
    private let readBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 65536, alignment: 16)
    /// Where the clients' UplinkQueues split superpackets (one loop, one buffer).
    let splitBuffer = SplitBuffer()
    /// The port actually listened on (for `--listen ...:0`).
    public private(set) var port: UInt16 = 0
    /// Connections not yet through PPP authentication, oldest first
    /// (ServerOptions.maxUnauthenticated).
    private var unauthenticated: [ServerConnection] = []
    private var acceptBackoff = AcceptBackoff()
    private var acceptPaused = false
    /// Connections ended before login, by reason, logged in summary so a
    /// flood costs a few lines.
    private var dropReports: [String: ThrottledReport] = [:]
    private var dropReportTimer: EventLoop.TimerID?

    public init(options: ServerOptions, loop: EventLoop, log: @escaping Log) throws {
        self.options = options
        self.loop = loop
        self.log = log
        tls = try TLSServerContext(
            certificateChainFile: options.certificateChainFile, privateKeyFile: options.privateKeyFile)
        freeAddresses = Array(options.pool).reversed()
    }

    deinit {
        readBuffer.deallocate()
    }

    public var connectionCount: Int { connections.count }

    /// Creates the TUN, listens, and starts accepting.
    public func start() throws {
        let device = try TUNDevice(name: options.interfaceName)
        try device.setMTU(options.mtu)
        try device.setUp()
        let net = try RouteNetlink()
        try net.addAddress(interface: device.index, local: options.localAddress.bytes, prefixLength: 32)
        // Routes to the pool through our TUN.
        for block in Self.cidrBlocks(options.pool) {
            try net.route(add: true, destination: block.0, prefixLength: block.1, interface: device.index)
        }
        if options.ipv6 {
            try? net.addAddress(
                interface: device.index, local: [0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1],
                prefixLength: 64)
        }
        tun = device
        try loop.add(fd: device.fd, events: .readable) { [weak self] _ in self?.tunReadable() }
        // A deep accept queue: under a connection flood a real client's
        // SYN is not dropped (and retried only a second later) while the
        // loop works through the queue.
        listener = try TCPSocket.listen(on: options.listen, backlog: 1024)
        port = TCPSocket.localAddress(listener)?.port ?? options.listen.port
        try loop.add(fd: listener, events: .readable) { [weak self] _ in self?.acceptAll() }
        log("listening on \(SocketAddress(address: options.listen.address, port: port)), TUN \(device.name)")
    }

    /// Serves on `device` without a TUN, addresses or a listener: the
    /// in-process seam for tests, which hand it connections with `serve(connected:peer:)`.
    public func start(device: any PacketDevice) throws {
        tun = device
        try loop.add(fd: device.fd, events: .readable) { [weak self] _ in self?.tunReadable() }
    }

    /// Takes one connected stream socket (e.g. one end of a socketpair) as
    /// if it had been accepted; it owns the descriptor from here on.
    public func serve(connected fd: Int32, peer: SocketAddress) throws {
        try serve(connected: SocketByteTransport(fd: fd), peer: peer)
    }

    /// Takes one connected byte transport (the seam: the in-memory pair in
    /// tests) as if it had been accepted; it owns the transport from here on.
    public func serve(connected transport: any ByteTransport, peer: SocketAddress) throws {
        do {
            let connection = try ServerConnection(server: self, transport: transport, peer: peer)
            connections[ObjectIdentifier(connection)] = connection
            unauthenticated.append(connection)
            connection.start()
        } catch {
            transport.close()
            throw error
        }
    }

    /// Stops listening and ends every call.
    public func stop() {
        if let dropReportTimer { loop.cancel(dropReportTimer) }
        dropReportTimer = nil
        if listener >= 0 {
            loop.remove(fd: listener)
            close(listener)
            listener = -1
        }
        for connection in connections.values { connection.disconnect() }
    }

    /// Accepts what is queued. When accept fails for want of descriptors or
    /// memory, the oldest unauthenticated connection gives up its descriptor
    /// for the one waiting; with none to close, the listener is paused
    /// (AcceptBackoff) instead of being polled again at once, which only
    /// fails again at full CPU.
    private func acceptAll() {
        while listener >= 0, !acceptPaused {
            let accepted: (fd: Int32, peer: SocketAddress)?
            do {
                accepted = try TCPSocket.accept(listener)
            } catch {
                if Self.isResourceShortage(error.errno), let oldest = unauthenticated.first {
                    drop(oldest, "to make room at the file descriptor limit")
                    continue
                }
                pauseAccepting(after: error)
                return
            }
            guard let (fd, peer) = accepted else { return }
            if let failures = acceptBackoff.succeeded() {
                log("accepting again after \(failures) failed accept\(failures == 1 ? "" : "s")")
            }
            // The cap closes the oldest, not the new one: an idle flood then
            // cannot lock real clients out until its connections time out,
            // and a real client, through login in well under a second, is
            // the newest, not the oldest.
            let cap = max(options.maxUnauthenticated, 1)
            if unauthenticated.count >= cap, let oldest = unauthenticated.first {
                drop(oldest, "to stay within \(cap) at once (--max-unauthenticated)")
            }
            do {
                let connection = try ServerConnection(server: self, transport: SocketByteTransport(fd: fd), peer: peer)
                connections[ObjectIdentifier(connection)] = connection
                unauthenticated.append(connection)
                connection.start()
            } catch {
                log("\(peer): TLS setup failed: \(error)")
                close(fd)
            }
        }
    }

    static func isResourceShortage(_ code: Int32) -> Bool {
        code == EMFILE || code == ENFILE || code == ENOBUFS || code == ENOMEM
    }

    private func pauseAccepting(after error: SystemError) {
        let pause = acceptBackoff.failed(now: loop.now)
        let milliseconds = Int(pause.interval / .milliseconds(1))
        if let count = pause.report {
            let times = "\(count) time\(count == 1 ? "" : "s")"
            log("accept failed \(times) (\(error)); pausing accepts for \(milliseconds) ms")
        }
        acceptPaused = true
        loop.remove(fd: listener)
        loop.schedule(at: pause.resumeAt) { [weak self] in self?.resumeAccepting() }
    }

    private func resumeAccepting() {
        guard acceptPaused, listener >= 0 else { return }
        acceptPaused = false
        do {
            try loop.add(fd: listener, events: .readable) { [weak self] _ in self?.acceptAll() }
        } catch {
            log("cannot watch the listening socket again: \(error)")
            return
        }
        acceptAll()
    }

    /// A connection passed PPP authentication: it no longer counts against
    /// the cap and cannot be closed to make room.
    func loggedIn(_ connection: ServerConnection) {
        unauthenticated.removeAll { $0 === connection }
    }

    /// Ends a connection before login, counted in the summary for `reason`.
    func drop(_ connection: ServerConnection, _ reason: String) {
        var report = dropReports[reason] ?? ThrottledReport(period: .seconds(5))
        if let count = report.note(now: loop.now) { logDropped(count, reason) }
        dropReports[reason] = report
        connection.drop()
        scheduleDropReport()
    }

    private func logDropped(_ count: Int, _ reason: String) {
        log("closed \(count) unauthenticated connection\(count == 1 ? "" : "s") \(reason)")
    }

    private func scheduleDropReport() {
        guard dropReportTimer == nil, let next = dropReports.values.compactMap(\.nextReport).min() else { return }
        dropReportTimer = loop.schedule(at: next) { [weak self] in
            guard let self else { return }
            self.dropReportTimer = nil
            for reason in Array(self.dropReports.keys) {
                guard var report = self.dropReports[reason] else { continue }
                if let count = report.due(now: self.loop.now) { self.logDropped(count, reason) }
                self.dropReports[reason] = report
            }
            self.scheduleDropReport()
        }
    }

    // MARK: - Addresses

    func allocateAddress() -> IPv4Address? {
        freeAddresses.popLast().map { IPv4Address($0) }
    }

    func register(_ connection: ServerConnection, ipv4: IPv4Address) {
        byAddress[ipv4.value] = connection
    }

    func register(_ connection: ServerConnection, interfaceID: [UInt8]) {
        byInterfaceID[Self.key(interfaceID)] = connection
    }

    func closed(_ connection: ServerConnection) {
        connections[ObjectIdentifier(connection)] = nil
        unauthenticated.removeAll { $0 === connection }
        if let address = connection.assigned {
            if byAddress[address.value] === connection { byAddress[address.value] = nil }
            freeAddresses.append(address.value)
        }
        if let id = connection.peerInterfaceID, byInterfaceID[Self.key(id)] === connection {
            byInterfaceID[Self.key(id)] = nil
        }
    }

    static func key(_ id: [UInt8]) -> UInt64 {
        id.prefix(8).reduce(0) { $0 << 8 | UInt64($1) }
    }

    // MARK: - Data plane: TUN to clients

    func writeToTUN(_ packet: UnsafeRawBufferPointer) {
        tun?.write(packet)
    }

    /// Writes a client's packet; with TUN offload, runs of TCP segments
    /// are joined into superpackets (the stream's TCPCoalescer) that go out
    /// when a packet cannot join them or at flushTUNWrites.
    func writeToTUN(_ packet: UnsafeRawBufferPointer, joining stream: TLSStream) {
        guard let tun else { return }
        guard tun.virtioHeader else {
            tun.write(packet)
            return
        }
        if stream.inbound.add(packet) { return }
        flushTUNWrites(stream)
        if !stream.inbound.add(packet) { tun.write(packet) }
    }

    /// Writes what the client's coalescer holds (end of received bytes).
    func flushTUNWrites(_ stream: TLSStream) {
        if let tun, let bytes = stream.inbound.finish() { tun.write(withVirtioHeader: bytes) }
    }

    /// Routes what the TUN holds to the clients' queues, up to
    /// UplinkQueue.tunBytesPerWakeup (the TUN stays readable for the next
    /// wakeup, after the sockets), then flushes the queues it touched. With TUN offload each read starts with a virtio
    /// header; a partial checksum is completed here, a TCP superpacket is
    /// split by the client's queue.
    private func tunReadable() {
        guard let tun else { return }
        let skip = tun.virtioHeader ? VirtioNetHeader.length : 0
        // The connections to flush: the last one, and the others only when
        // one wakeup served several (no allocation in the common case).
        var last: ServerConnection?
        var others: [ServerConnection] = []
        var taken = 0
        while taken < UplinkQueue.tunBytesPerWakeup {
            let n: Int?
            do {
                n = try tun.read(into: readBuffer)
            } catch {
                log("reading \(tun.name): \(error)")
                return
            }
            guard let n, n > 0 else { break }
            taken += n
            guard n > skip else { continue }
            let header =
                skip > 0 ? VirtioNetHeader(UnsafeRawBufferPointer(rebasing: readBuffer[0..<skip])) : VirtioNetHeader()
            let space = UnsafeMutableRawBufferPointer(rebasing: readBuffer[skip..<n])
            let packet = UnsafeRawBufferPointer(space)
            let version = packet[0] >> 4
            var target: ServerConnection?
            if version == 4, packet.count >= 20 {
                let destination =
                    UInt32(packet[16]) << 24 | UInt32(packet[17]) << 16 | UInt32(packet[18]) << 8
                    | UInt32(packet[19])
                target = byAddress[destination]
            } else if version == 6, packet.count >= 40 {
                let id = (32..<40).reduce(UInt64(0)) { $0 << 8 | UInt64(packet[$1]) }
                target = byInterfaceID[id]
            }
            guard let target else { continue }
            if header.gsoType == VirtioNetHeader.gsoNone, header.needsChecksum {
                guard
                    TUNOffload.completeChecksum(
                        space, start: Int(header.checksumStart), offset: Int(header.checksumOffset))
                else { continue }
            }
            if target.queue(packet: packet, header: header, ipv6: version == 6), last !== target {
                if let previous = last, !others.contains(where: { $0 === previous }) { others.append(previous) }
                last = target
            }
        }
        last?.flush()
        for connection in others where connection !== last { connection.flush() }
    }

    /// Splits an address range into CIDR blocks for the routes to the pool.
    static func cidrBlocks(_ range: ClosedRange<UInt32>) -> [([UInt8], Int)] {
        var out: [([UInt8], Int)] = []
        var start = UInt64(range.lowerBound)
        let end = UInt64(range.upperBound)
        while start <= end {
            var size: UInt64 = 1
            var prefix = 32
            while prefix > 0, start % (size * 2) == 0, start + size * 2 - 1 <= end {
                size *= 2
                prefix -= 1
            }
            let a = UInt32(start)
            out.append(([UInt8(a >> 24), UInt8((a >> 16) & 0xff), UInt8((a >> 8) & 0xff), UInt8(a & 0xff)], prefix))
            start += size
        }
        return out
    }
}
