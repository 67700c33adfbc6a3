import Glibc
import SSTPTLS

/// A client and a server TLSConnection in this process, each on its own
/// non-blocking socketpair, joined by a relay that records TLS records:
///
///     client ⇄ relay ⇄ server
///
/// One thread steps all three, so nothing depends on timing; every loop is
/// bounded by a step count, and running out of steps is a test failure.
final class TLSPair {
    enum Side: Hashable {
        case pending
        case done
        case failed(TLSError)

        var error: TLSError? {
            if case .failed(let error) = self { return error }
            return nil
        }
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static let stepLimit = 100_000

    let client: TLSConnection
    let server: TLSConnection
    /// Client-to-server and server-to-client bytes.
    private(set) var toServer: RecordRelay
    private(set) var toClient: RecordRelay
    private let sockets: [Int32]
    private let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 256 * 1024, alignment: 1)

    init(client clientContext: TLSClientContext, server serverContext: TLSServerContext) throws {
        signal(SIGPIPE, SIG_IGN)
        let (clientSocket, clientRelay) = try Self.socketPair()
        let (serverRelay, serverSocket) = try Self.socketPair()
        sockets = [clientSocket, clientRelay, serverRelay, serverSocket]
        toServer = RecordRelay(from: clientRelay, to: serverRelay)
        toClient = RecordRelay(from: serverRelay, to: clientRelay)
        client = try clientContext.connect(socket: clientSocket)
        server = try serverContext.accept(socket: serverSocket)
    }

    deinit {
        scratch.deallocate()
        for socket in sockets { close(socket) }
    }

    static func socketPair() throws -> (Int32, Int32) {
        var fds: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds) == 0 else {
            throw Failure(description: "socketpair: errno \(errno)")
        }
        for fd in fds {
            guard fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) == 0 else {
                throw Failure(description: "fcntl: errno \(errno)")
            }
        }
        return (fds[0], fds[1])
    }

    /// Ends the client's side of the TCP stream without a close_notify.
    func cutClientSocket() {
        Glibc.shutdown(sockets[0], Int32(SHUT_WR))
    }

    /// Ends the server's side of the TCP stream without a close_notify.
    func cutServerSocket() {
        Glibc.shutdown(sockets[3], Int32(SHUT_WR))
    }

    /// Relays at most this many bytes per step each way from now on.
    func throttle(bytesPerStep: Int) {
        toServer.bytesPerStep = bytesPerStep
        toClient.bytesPerStep = bytesPerStep
    }

    /// Tampers with client-to-server bytes from now on.
    func rewriteToServer(_ rewrite: @escaping (inout [UInt8]) -> Void) {
        toServer.rewrite = rewrite
    }

    func relay() {
        toServer.step(scratch: scratch)
        toClient.step(scratch: scratch)
    }

    /// Runs both handshakes until each has finished or failed. A side that
    /// fails shuts its socket for writing, as a real peer would close, so
    /// the other side sees the alert and then the end of the stream.
    func handshake() -> (client: Side, server: Side) {
        var clientSide = Side.pending
        var serverSide = Side.pending
        for _ in 0..<Self.stepLimit {
            step(client, &clientSide, socket: sockets[0])
            relay()
            step(server, &serverSide, socket: sockets[3])
            relay()
            if clientSide != .pending, serverSide != .pending { break }
        }
        return (clientSide, serverSide)
    }

    private func step(_ connection: TLSConnection, _ side: inout Side, socket: Int32) {
        guard side == .pending else { return }
        do {
            if try connection.handshake() == .done { side = .done }
        } catch {
            side = .failed(error)
            Glibc.shutdown(socket, Int32(SHUT_WR))
        }
    }

    /// Sends `data` from `sender` to the other side in writes of at most
    /// `chunk` bytes and returns what the other side read.
    func send(_ data: [UInt8], from sender: TLSConnection, chunk: Int) throws -> [UInt8] {
        let receiver = sender === client ? server : client
        var sent = 0
        var received: [UInt8] = []
        received.reserveCapacity(data.count)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 1)
        defer { buffer.deallocate() }
        for _ in 0..<Self.stepLimit * 10 {
            if sent < data.count {
                let end = min(sent + chunk, data.count)
                let result = try data[sent..<end].withUnsafeBytes { try sender.write($0) }
                if case .bytes(let n) = result { sent += n }
            }
            relay()
            reading: while true {
                switch try receiver.read(into: buffer) {
                case .bytes(let n): received.append(contentsOf: buffer[0..<n])
                case .wantRead, .wantWrite: break reading
                case .closed: throw Failure(description: "closed after \(received.count) bytes")
                }
            }
            if received.count >= data.count { return received }
        }
        throw Failure(description: "stalled: sent \(sent), received \(received.count) of \(data.count)")
    }
}

extension TLSPair {
    /// Test data that no two offsets share by accident (xorshift).
    static func pattern(_ count: Int, seed: UInt64 = 0x9E37_79B9_7F4A_7C15) -> [UInt8] {
        var state = seed
        var out = [UInt8](repeating: 0, count: count)
        for i in 0..<count {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            out[i] = UInt8(truncatingIfNeeded: state)
        }
        return out
    }
}
