import Glibc
import SSTPPlatform

/// The TCP layer of the client's transport stack (this, then the proxy
/// CONNECT if any, then TLS): connects to each address of the candidate
/// list in turn, non-blocking on the event loop, and yields the first
/// connected socket as a ByteTransport, its descriptor still on the loop
/// for the next layer.
final class TCPConnector {
    struct Connected {
        let transport: SocketByteTransport
        /// The outer connection's peer: the server, or the proxy.
        let address: SocketAddress
    }

    /// Every address failed; the last one and why.
    struct Failure: Error {
        let address: SocketAddress
        let error: SystemError
    }

    typealias Completion = (Result<Connected, Failure>) -> Void

    private let candidates: [SocketAddress]
    private let userTimeout: Duration?
    private unowned let loop: EventLoop
    private let emit: ClientTunnel.EventSink
    private var completion: Completion?
    private var index = 0
    private var fd: Int32 = -1

    /// `candidates` must not be empty.
    init(
        candidates: [SocketAddress], userTimeout: Duration?, loop: EventLoop, emit: @escaping ClientTunnel.EventSink,
        completion: @escaping Completion
    ) {
        self.candidates = candidates
        self.userTimeout = userTimeout
        self.loop = loop
        self.emit = emit
        self.completion = completion
    }

    func start() {
        attempt()
    }

    /// Stops a connect in progress (its socket closed). Harmless after completion.
    func cancel() {
        completion = nil
        closeSocket()
    }

    private func attempt() {
        guard completion != nil, index < candidates.count else { return }
        let address = candidates[index]
        emit(.phase(.tcp, "connecting to \(address)"))
        do {
            fd = try TCPSocket.startConnect(to: address, userTimeout: userTimeout)
            try loop.add(fd: fd, events: .writable) { [weak self] _ in self?.ready() }
        } catch {
            closeSocket()
            failed(error)
        }
    }

    private func ready() {
        guard completion != nil, fd >= 0, index < candidates.count else { return }
        let address = candidates[index]
        do {
            try TCPSocket.finishConnect(fd, to: address)
        } catch {
            closeSocket()
            failed(error)
            return
        }
        let connected = Connected(transport: SocketByteTransport(fd: fd), address: address)
        fd = -1
        guard let done = completion else { return }
        completion = nil
        done(.success(connected))
    }

    private func failed(_ error: SystemError) {
        let address = candidates[index]
        if index + 1 < candidates.count {
            emit(.log("connecting to \(address) failed (\(error)); trying the next address"))
            index += 1
            attempt()
        } else if let done = completion {
            completion = nil
            done(.failure(Failure(address: address, error: error)))
        }
    }

    private func closeSocket() {
        guard fd >= 0 else { return }
        loop.remove(fd: fd)
        close(fd)
        fd = -1
    }
}
