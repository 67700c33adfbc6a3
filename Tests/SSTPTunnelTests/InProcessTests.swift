import Foundation
import Glibc
import PPP
import SSTPPlatform
import SSTPStream
import SSTPTLS
import Testing

@testable import SSTPTestServerKit
@testable import SSTPTunnel

/// The whole client (ClientTunnel) against the whole bundled server
/// (SSTPServer) in one process, on one EventLoop, over the seams' fakes:
/// a MemoryByteTransport pair as the byte transport (TLS through the
/// transport BIO; one variant uses a socketpair, as TCP goes), two
/// MemoryPacketDevice pairs as the TUNs, a RecordingNetworkConfigurator as
/// the host's network configuration. Each way down must leave nothing
/// configured.
@Suite(.serialized) struct InProcessTests {
    static let serverPeer = SocketAddress(address: [192, 0, 2, 1], port: 443)

    /// What joins the client to the server.
    enum Link: Sendable {
        case memory(MemoryByteTransport.Delivery)
        case socketpair
    }

    /// One client and one server joined in memory.
    final class Rig {
        let loop: EventLoop
        let server: SSTPServer
        let client: ClientTunnel
        let network = RecordingNetworkConfigurator()
        /// The far ends: what the client's and the server's stacks see of their TUNs.
        let clientFar: MemoryPacketDevice
        let serverFar: MemoryPacketDevice
        let clientDevice: MemoryPacketDevice
        let serverDevice: MemoryPacketDevice
        /// The server's end of the memory link, to cut it (nil over a socketpair).
        let serverEnd: MemoryByteTransport?
        /// A second descriptor of the server's socket, to cut a socketpair (-1 over memory).
        let serverSocket: Int32
        var events: [TunnelEvent] = []
        var up: TunnelStatus?
        var down: TunnelFailure??

        init(
            password: String = "secret", faults: ServerOptions.Faults = .init(), reconnect: Bool = false,
            link: Link = .memory(.whole), queueManagement: Bool = false, serverQueueManagement: Bool? = nil,
            backend: @escaping ClientTunnel.BackendFactory = ClientTunnel.builtInBackend
        ) throws {
            let pki = try InProcessPKI.get()
            // As the programs do (a write to a closed peer is an error, not a death).
            signal(SIGPIPE, SIG_IGN)
            loop = try EventLoop()
            (clientDevice, clientFar) = try MemoryPacketDevice.pair(("mem-client", 41), ("far-client", 42))
            (serverDevice, serverFar) = try MemoryPacketDevice.pair(("mem-server", 51), ("far-server", 52))
            var serverOptions = ServerOptions(
                listen: SocketAddress(address: [127, 0, 0, 1], port: 0),
                certificateChainFile: pki.path("sstp-chain.pem"), privateKeyFile: pki.path("leaf.key"),
                users: ["alice": "secret"], localAddress: IPv4Address(10, 77, 0, 1),
                pool: IPv4Address(10, 77, 0, 2).value...IPv4Address(10, 77, 0, 9).value)
            serverOptions.methods = [.mschapv2]
            serverOptions.dns = [IPv4Address(10, 77, 0, 53)]
            serverOptions.faults = faults
            serverOptions.queueManagement = serverQueueManagement ?? queueManagement
            server = try SSTPServer(options: serverOptions, loop: loop) { _ in }
            var tls = TLSClientConfiguration(serverName: "sstp.test")
            tls.trust = .caFile(pki.path("root.pem"))
            var options = ClientOptions(
                server: "sstp.test", tls: tls, ppp: PPPClientConfiguration(userName: "alice", password: password))
            options.routes = .defaultRoute
            options.queueManagement = queueManagement
            options.reconnect = reconnect
            let network = self.network
            let device = clientDevice
            var sink: ((TunnelEvent) -> Void)?
            client = ClientTunnel(
                options: options, loop: loop, network: { _ throws(SystemError) in network },
                device: { _ throws(SystemError) in device }, backend: backend, events: { sink?($0) })
            let clientEnd: any ByteTransport
            let serverTransport: any ByteTransport
            switch link {
            case .memory(let delivery):
                let (a, b) = try MemoryByteTransport.pair(delivery: delivery)
                (clientEnd, serverTransport, serverEnd, serverSocket) = (a, b, b, -1)
            case .socketpair:
                var pair: [Int32] = [-1, -1]
                guard
                    socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &pair) == 0
                else { throw SystemError("socketpair") }
                for fd in pair { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
                clientEnd = SocketByteTransport(fd: pair[0])
                serverTransport = SocketByteTransport(fd: pair[1])
                (serverEnd, serverSocket) = (nil, dup(pair[1]))
            }
            sink = { [unowned self] event in
                self.events.append(event)
                switch event {
                case .up(let status): self.up = status
                case .down(let failure): self.down = .some(failure)
                default: break
                }
            }
            try server.start(device: serverDevice)
            try server.serve(connected: serverTransport, peer: SocketAddress(address: [192, 0, 2, 99], port: 50000))
            client.start(connected: clientEnd, peer: InProcessTests.serverPeer)
        }

        deinit { if serverSocket >= 0 { close(serverSocket) } }

        /// Runs the loop until `done` or 10 s (a hang guard, not a timing).
        func run(until done: () -> Bool) throws {
            let deadline = loop.now + .seconds(10)
            while !done(), loop.now < deadline { try loop.runOnce(maximumWait: .milliseconds(50)) }
        }

        func runUntilUp() throws {
            try run { up != nil || down != nil }
        }

        func runUntilDown() throws {
            try run { down != nil }
        }
    }

    /// An IPv4/UDP packet (checksums zero, as UDP allows: RFC 768).
    static func udp(from source: IPv4Address, to destination: IPv4Address, payload: [UInt8]) -> [UInt8] {
        let total = 28 + payload.count
        var p: [UInt8] = [0x45, 0, UInt8(total >> 8), UInt8(total & 0xff), 0, 1, 0, 0, 64, 17, 0, 0]
        p += source.bytes + destination.bytes
        p += [0x30, 0x39, 0x00, 0x35, UInt8((8 + payload.count) >> 8), UInt8((8 + payload.count) & 0xff), 0, 0]
        return p + payload
    }

    static func readAll(_ device: MemoryPacketDevice) -> [[UInt8]] {
        var out: [[UInt8]] = []
        var buffer = [UInt8](repeating: 0, count: 2048)
        while let n = try? buffer.withUnsafeMutableBytes({ try device.read(into: $0) }) {
            out.append(Array(buffer[0..<n]))
        }
        return out
    }

    /// Up with MS-CHAPv2 and the pool's first address, the host changed as
    /// the options ask (address, both half-default routes, the server's host
    /// route, DNS), and one packet each way.
    static func bringUp(_ rig: Rig) throws -> IPv4Address {
        try rig.runUntilUp()
        let status = try #require(rig.up, "not up: \(String(describing: rig.down))")
        let assigned = try #require(status.ipv4?.local)
        #expect(assigned == IPv4Address(10, 77, 0, 2))
        #expect(status.authenticationMethod == .mschapv2)
        #expect(status.interfaceName == "mem-client")
        let applied = rig.network.applied
        #expect(
            applied.contains(
                .address(interface: 41, local: assigned.bytes, prefixLength: 32, peer: status.ipv4?.peer?.bytes)))
        #expect(applied.contains(.serverRoute(InProcessTests.serverPeer.address)))
        #expect(applied.contains(.tunnelRoute(destination: [0, 0, 0, 0], prefixLength: 1, interface: 41, metric: nil)))
        #expect(
            applied.contains(.tunnelRoute(destination: [128, 0, 0, 0], prefixLength: 1, interface: 41, metric: nil)))
        #expect(
            applied.contains(.dns(interface: "mem-client", servers: ["10.77.0.53"], domains: [], defaultRoute: true)))

        let outbound = udp(from: assigned, to: IPv4Address(10, 77, 0, 1), payload: Array("to the server".utf8))
        outbound.withUnsafeBytes { rig.clientFar.write($0) }
        var atServer: [[UInt8]] = []
        try rig.run {
            atServer += readAll(rig.serverFar)
            return !atServer.isEmpty
        }
        #expect(atServer == [outbound])

        let inbound = udp(from: IPv4Address(10, 77, 0, 1), to: assigned, payload: Array("to the client".utf8))
        inbound.withUnsafeBytes { rig.serverFar.write($0) }
        var atClient: [[UInt8]] = []
        try rig.run {
            atClient += readAll(rig.clientFar)
            return !atClient.isEmpty
        }
        #expect(atClient == [inbound])
        #expect(rig.client.bytesOut == UInt64(outbound.count))
        #expect(rig.client.bytesIn == UInt64(inbound.count))
        return assigned
    }

    static func expectNothingLeft(_ rig: Rig, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(rig.client.isFinished, sourceLocation: sourceLocation)
        #expect(rig.network.applied.isEmpty, "left configured: \(rig.network.applied)", sourceLocation: sourceLocation)
        #expect(rig.client.interfaceName == nil, "the device is still held", sourceLocation: sourceLocation)
    }

    /// More than a wakeup's budgets each way at once (TLSStream.readBudget,
    /// UplinkQueue.tunBytesPerWakeup): a read that stops at its budget comes
    /// back for the rest, what OpenSSL has already read from the socket
    /// included, so every packet arrives, in order, with and without the
    /// client's AQM (the server's is on: without it, it drops what does not
    /// fit its batch while the socket is full).
    @Test(arguments: [Link.socketpair, .memory(.randomChunks(maximum: 40000, seed: 3))], [false, true])
    func burstsBeyondTheReadBudgetsArriveWhole(link: Link, queueManagement: Bool) throws {
        let rig = try Rig(link: link, queueManagement: queueManagement, serverQueueManagement: true)
        let assigned = try Self.bringUp(rig)
        let server = IPv4Address(10, 77, 0, 1)
        func numbered(_ i: Int) -> [UInt8] {
            [UInt8(i >> 8), UInt8(i & 0xff)] + [UInt8](repeating: UInt8(i & 0x7f), count: 1270)
        }
        let up = (0..<300).map { Self.udp(from: assigned, to: server, payload: numbered($0)) }
        let down = (0..<300).map { Self.udp(from: server, to: assigned, payload: numbered($0)) }
        #expect(up.reduce(0) { $0 + $1.count } > 2 * UplinkQueue.tunBytesPerWakeup)
        for packet in up { packet.withUnsafeBytes { rig.clientFar.write($0) } }
        for packet in down { packet.withUnsafeBytes { rig.serverFar.write($0) } }
        var atServer: [[UInt8]] = []
        var atClient: [[UInt8]] = []
        try rig.run {
            atServer += Self.readAll(rig.serverFar)
            atClient += Self.readAll(rig.clientFar)
            return atServer.count >= up.count && atClient.count >= down.count
        }
        // Which packets came, by number (short to print), then their bytes.
        func numbers(_ packets: [[UInt8]]) -> [Int] {
            packets.map { $0.count > 29 ? Int($0[28]) << 8 | Int($0[29]) : -1 }
        }
        #expect(numbers(atServer) == Array(0..<up.count))
        #expect(numbers(atClient) == Array(0..<down.count))
        #expect(atServer == up && atClient == down)
        rig.client.disconnect()
        try rig.runUntilDown()
        Self.expectNothingLeft(rig)
    }

    @Test func clientDisconnectUndoesEverything() throws {
        let rig = try Rig()
        _ = try Self.bringUp(rig)
        rig.client.disconnect()
        try rig.runUntilDown()
        let failure = try #require(rig.down)
        #expect(failure == nil, "a requested disconnect is no failure: \(String(describing: failure))")
        Self.expectNothingLeft(rig)
        #expect(rig.network.undoAllCount >= 1)
    }

    @Test func serverDisconnectUndoesEverything() throws {
        let rig = try Rig()
        _ = try Self.bringUp(rig)
        rig.server.stop()
        try rig.runUntilDown()
        let failure = try #require(rig.down)
        #expect(failure.map { "\($0)" }?.contains("CALL_DISCONNECT") == true, "\(String(describing: failure))")
        Self.expectNothingLeft(rig)
    }

    @Test func serverAbortUndoesEverything() throws {
        var faults = ServerOptions.Faults()
        faults.abortAfterPackets = 1
        let rig = try Rig(faults: faults)
        try rig.runUntilUp()
        #expect(rig.up != nil)
        // The server aborts the call (CALL_ABORT) after the first data packet.
        let assigned = rig.up?.ipv4?.local ?? IPv4Address(10, 77, 0, 2)
        let packet = Self.udp(from: assigned, to: IPv4Address(10, 77, 0, 1), payload: [1, 2, 3])
        packet.withUnsafeBytes { rig.clientFar.write($0) }
        try rig.runUntilDown()
        let failure = try #require(rig.down)
        #expect(failure.map { "\($0)" }?.contains("aborted") == true, "\(String(describing: failure))")
        Self.expectNothingLeft(rig)
    }

    @Test func transportClosedUndoesEverything() throws {
        let rig = try Rig(link: .socketpair)
        _ = try Self.bringUp(rig)
        shutdown(rig.serverSocket, Int32(SHUT_RDWR))
        try rig.runUntilDown()
        let failure = try #require(rig.down)
        #expect(failure.map { "\($0)" }?.contains("closed") == true, "\(String(describing: failure))")
        Self.expectNothingLeft(rig)
    }

    /// The same call with every byte of TLS delivered and written one at a
    /// time, and in small random pieces: the framing above TLS must not
    /// depend on how the stream is cut.
    @Test(arguments: [MemoryByteTransport.Delivery.oneByte, .randomChunks(maximum: 9, seed: 7)])
    func upAndDownOverACutUpStream(_ delivery: MemoryByteTransport.Delivery) throws {
        let rig = try Rig(link: .memory(delivery))
        _ = try Self.bringUp(rig)
        rig.client.disconnect()
        try rig.runUntilDown()
        let failure = try #require(rig.down)
        #expect(failure == nil, "\(String(describing: failure))")
        Self.expectNothingLeft(rig)
    }

    /// The transport dies mid-session (the server's end resets it, or
    /// ends it without close_notify): the client reports the cut and
    /// undoes everything.
    @Test(arguments: [MemoryByteTransport.Cut.reset, .endOfStream])
    func transportCutMidSessionUndoesEverything(_ cut: MemoryByteTransport.Cut) throws {
        let rig = try Rig()
        _ = try Self.bringUp(rig)
        let end = try #require(rig.serverEnd)
        end.cut(cut)
        try rig.runUntilDown()
        let failure = try #require(rig.down)
        let text = failure.map { "\($0)" } ?? ""
        switch cut {
        case .reset: #expect(text.contains("reset") || text.contains("ECONNRESET"), "\(text)")
        case .endOfStream: #expect(text.contains("closed"), "\(text)")
        }
        Self.expectNothingLeft(rig)
    }

    @Test func wrongPasswordLeavesNothingConfigured() throws {
        let rig = try Rig(password: "wrong")
        try rig.runUntilUp()
        #expect(rig.up == nil)
        let failure = try #require(rig.down)
        #expect(failure.map { "\($0)" }?.contains("691") == true, "\(String(describing: failure))")
        Self.expectNothingLeft(rig)
        #expect(rig.network.journal.isEmpty)
    }
}

/// The throwaway PKI of Tests/tls-pki/make-test-pki.sh, made once per test
/// process in a temporary directory.
enum InProcessPKI {
    struct Failure: Error, CustomStringConvertible { var description: String }
    struct PKI: Sendable {
        let directory: String
        func path(_ name: String) -> String { directory + "/" + name }
    }

    private static let shared: Result<PKI, Failure> = {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("tls-pki/make-test-pki.sh")
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("sstp-inprocess-pki-\(getpid())").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = [script.path, directory]
        process.standardError = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        do { try process.run() } catch { return .failure(Failure(description: "cannot run \(script.path): \(error)")) }
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return .failure(Failure(description: "make-test-pki.sh failed")) }
        atexit {
            if case .success(let pki) = InProcessPKI.shared {
                try? FileManager.default.removeItem(atPath: pki.directory)
            }
        }
        return .success(PKI(directory: directory))
    }()

    static func get() throws -> PKI { try shared.get() }
}
