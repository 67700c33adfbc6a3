import CSSTPPlatform
import Glibc
import Synchronization

/// getaddrinfo on a thread of its own, the answer delivered on the event
/// loop. A resolver that takes seconds (a DNS server that does not answer)
/// must not stall a loop that also serves D-Bus calls and other tunnels.
///
/// The thread and the loop share one `Job`; the eventfd the thread signals
/// lives as long as the job, so a cancelled lookup finishing later writes to
/// its own descriptor, never to one the number was reused for.
public final class AsyncResolver {
    public typealias Completion = (Result<[SocketAddress], SystemError>) -> Void

    private final class Job: Sendable {
        let host: String
        let port: UInt16
        let eventFD: Int32
        let result = Mutex<Result<[SocketAddress], SystemError>?>(nil)

        init(host: String, port: UInt16, eventFD: Int32) {
            self.host = host
            self.port = port
            self.eventFD = eventFD
        }

        deinit {
            close(eventFD)
        }

        func run() {
            let answer: Result<[SocketAddress], SystemError>
            do {
                answer = .success(try SocketAddress.resolve(host: host, port: port))
            } catch {
                answer = .failure(error)
            }
            result.withLock { $0 = answer }
            var one: UInt64 = 1
            _ = write(eventFD, &one, MemoryLayout<UInt64>.size)
        }
    }

    private let loop: EventLoop
    private let job: Job
    private var completion: Completion?

    /// Starts resolving `host`; `completion` runs later on `loop`, once,
    /// unless `cancel` came first.
    public init(host: String, port: UInt16, loop: EventLoop, completion: @escaping Completion) throws(SystemError) {
        let fd = eventfd(0, Int32(EFD_CLOEXEC | EFD_NONBLOCK))
        guard fd >= 0 else { throw SystemError("eventfd") }
        self.loop = loop
        job = Job(host: host, port: port, eventFD: fd)
        self.completion = completion
        try loop.add(fd: fd, events: .readable) { [weak self] _ in self?.answered() }
        let job = self.job
        do {
            try OSThread.start { job.run() }.detach()
        } catch {
            loop.remove(fd: fd)
            throw error
        }
    }

    /// Drops the answer: the completion will not run. The thread ends on
    /// its own when getaddrinfo returns.
    public func cancel() {
        guard completion != nil else { return }
        completion = nil
        loop.remove(fd: job.eventFD)
    }

    deinit {
        cancel()
    }

    private func answered() {
        guard let result = job.result.withLock({ $0 }), let completion else { return }
        self.completion = nil
        loop.remove(fd: job.eventFD)
        completion(result)
    }
}
