import Glibc
import SSTPHTTP
import SSTPPlatform

/// The proxy layer of the client's transport stack (TCP, then this, then
/// TLS): runs an `HTTPConnectExchange` (MS-SSTP 4.5, RFC 9110 §9.3.6) over
/// any ByteTransport on the event loop, and hands the transport on once
/// the proxy opened the tunnel, with the bytes that followed its answer in
/// front (`PrefixedByteTransport`): they are the server's, TLS reads them.
///
/// The transport's descriptor is on the loop already (the connector left
/// it there); the layer takes over its handler until it completes. On a
/// failure or `cancel` it removes the descriptor from the loop and closes
/// the transport; on success both are the next layer's.
final class ProxyConnectLayer {
    /// The tunnel is open.
    struct Opened {
        /// What TLS runs on: the transport itself, or it behind the bytes
        /// that came after the proxy's answer.
        let transport: any ByteTransport
        /// How many bytes came after the answer (0 normally: a server
        /// speaks TLS only after our ClientHello).
        let leftover: Int
    }

    enum Failure: Error, Equatable {
        /// The exchange failed: a refusal, a malformed answer, an early end.
        case exchange(HTTPConnectExchange.Failure)
        /// Reading or writing the transport failed.
        case transport(SystemError)
    }

    typealias Completion = (Result<Opened, Failure>) -> Void

    private let transport: any ByteTransport
    private var exchange: HTTPConnectExchange
    private unowned let loop: EventLoop
    private var completion: Completion?
    private var written = 0
    private var interest: EventLoop.Events?
    private var buffer = [UInt8](repeating: 0, count: 4096)

    init(transport: any ByteTransport, exchange: HTTPConnectExchange, loop: EventLoop, completion: @escaping Completion)
    {
        self.transport = transport
        self.exchange = exchange
        self.loop = loop
        self.completion = completion
    }

    /// Whether the layer is still at work (not completed, not cancelled).
    var isRunning: Bool { completion != nil }

    /// Writes the request and waits for the answer.
    func start() {
        loop.setHandler(fd: transport.fd) { [weak self] _ in self?.advance() }
        advance()
    }

    /// Stops without completing: the descriptor leaves the loop and the
    /// transport is closed. Harmless after completion.
    func cancel() {
        guard completion != nil else { return }
        completion = nil
        loop.remove(fd: transport.fd)
        transport.close()
    }

    private func advance() {
        guard completion != nil else { return }
        if written < exchange.request.count {
            guard writeRequest() else { return }
        }
        readAnswer()
    }

    /// Writes what the transport takes; true once the whole request is out.
    private func writeRequest() -> Bool {
        while written < exchange.request.count {
            // The request may carry the proxy password: written, never logged.
            let result = exchange.request.withUnsafeBytes {
                transport.write(UnsafeRawBufferPointer(rebasing: $0[written...]))
            }
            switch result {
            case .bytes(let n):
                written += n
            case .wouldBlock:
                want(.writable)
                return false
            case .endOfStream:
                fail(.transport(SystemError("write CONNECT", errno: EPIPE)))
                return false
            case .failed(let code):
                fail(.transport(SystemError("write CONNECT", errno: code)))
                return false
            }
        }
        want(.readable)
        return true
    }

    /// Reads until the transport would block or the exchange is decided.
    private func readAnswer() {
        while completion != nil {
            let result = buffer.withUnsafeMutableBytes { transport.read(into: $0) }
            switch result {
            case .bytes(let n):
                let outcome: HTTPConnectExchange.Outcome
                do {
                    outcome = try exchange.receive(buffer[0..<min(n, buffer.count)])
                } catch {
                    fail(.exchange(error))
                    return
                }
                if case .established(let leftover) = outcome {
                    succeed(leftover)
                    return
                }
            case .wouldBlock:
                return
            case .endOfStream:
                fail(.exchange(exchange.receiveEnd()))
                return
            case .failed(let code):
                fail(.transport(SystemError("read", errno: code)))
                return
            }
        }
    }

    private func want(_ events: EventLoop.Events) {
        guard interest != events else { return }
        interest = events
        loop.modify(fd: transport.fd, events: events)
    }

    private func succeed(_ leftover: [UInt8]) {
        guard let done = completion else { return }
        completion = nil
        loop.setHandler(fd: transport.fd) { _ in }
        let next: any ByteTransport =
            leftover.isEmpty ? transport : PrefixedByteTransport(prefix: leftover, lower: transport)
        done(.success(Opened(transport: next, leftover: leftover.count)))
    }

    private func fail(_ failure: Failure) {
        guard let done = completion else { return }
        cancel()
        done(.failure(failure))
    }
}
