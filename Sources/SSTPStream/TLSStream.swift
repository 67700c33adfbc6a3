import Glibc
package import SSTPDataPlane
package import SSTPPlatform
package import SSTPTLS

/// What a TLSStream tells its owner.
package protocol TLSStreamDelegate: AnyObject {
    /// The handshake finished.
    func streamEstablished(_ stream: TLSStream)
    /// Decrypted bytes arrived; they are valid only during the call.
    func stream(_ stream: TLSStream, received bytes: UnsafeRawBufferPointer)
    /// The output queue drained below half; paused producers may resume.
    func streamDrained(_ stream: TLSStream)
    /// The connection is over (nil: the peer closed cleanly).
    func streamClosed(_ stream: TLSStream, error: TLSError?)
}

/// A TLS connection on the event loop: handshake, a read loop and a write
/// queue that goes out in records of up to 16 KiB. Producers write SSTP
/// packets straight into `out` (the data plane reads IP packets into it).
package final class TLSStream {
    /// The byte transport the records travel on (owned: closed with the stream).
    package let transport: any ByteTransport
    /// Its descriptor, which the event loop polls.
    package let fd: Int32
    package let tls: TLSConnection
    package unowned let loop: EventLoop
    package weak var delegate: (any TLSStreamDelegate)?
    /// Pending output. 128 KiB: a TUN superpacket (64 KiB) split into
    /// segments, behind up to a record's worth of bytes not yet written.
    package var out = OutboundBatch(capacity: 131072)
    /// Received TCP segments on their way to a TUN with offload, joined
    /// into superpackets (the owner adds and finishes them).
    package var inbound = TCPCoalescer()
    package private(set) var established = false
    package private(set) var closed = false
    /// A write returned wantWrite: wait for EPOLLOUT, retry the same bytes.
    package private(set) var writeBlocked = false
    /// The blocked write returned wantRead instead (a TLS 1.2
    /// renegotiation is under way): retry it after the next read, not on
    /// EPOLLOUT (the socket is writable, so waiting for that would spin).
    private var writeNeedsReadable = false
    private var retryingAfterRead = false
    private var readKickScheduled = false
    private var readNeedsWritable = false
    private var handshakeNeedsWritable = false
    private let inBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 65536, alignment: 16)
    private var lastWriteLength = 0

    package static let notSentLowWater: Int32 = 131072
    /// Decrypted bytes per wakeup (in effect one `inBuffer`, 48-64 KiB, about
    /// 0.2 ms of a CPU-bound end's work). Reading until OpenSSL would block
    /// kept an end whose CPU is the bottleneck on its socket for as long as
    /// the peer kept it full, while a ping's reply waited in its TUN
    /// (bench/README.md, "Latency under load on the veth").
    package static let readBudget = 49152
    /// This stream's TCP_NOTSENT_LOWAT (set before `start`; smaller with an UplinkQueue).
    package var notSentLowWater = TLSStream.notSentLowWater
    /// Holds writes while the socket has more unsent bytes than about 2 ms
    /// of its delivery rate (UnsentPacer; set by an owner with an UplinkQueue).
    package var pacer: UnsentPacer?
    /// Bounds what the peer keeps in flight to this socket (set with the pacer).
    package var receiveWindow: ReceiveWindowClamp?
    /// The length of a write that returned wantWrite (0: none pending).
    private var pendingLength = 0

    package init(transport: any ByteTransport, tls: TLSConnection, loop: EventLoop) {
        self.transport = transport
        self.fd = transport.fd
        self.tls = tls
        self.loop = loop
    }

    deinit {
        inBuffer.deallocate()
    }

    /// Takes over the fd's events (the caller registered it already).
    package func start() {
        // At most 128 KiB not yet sent in the kernel (TCP_NOTSENT_LOWAT): the
        // socket reports writable only below it, so a bulk transfer queues
        // in the TUN instead of in seconds' worth of socket buffer, and a
        // ping under load waits for less (bench/README.md).
        var lowat = notSentLowWater
        if let socket = transport.kernelSocket {
            _ = setsockopt(socket, Int32(IPPROTO_TCP), TCP_NOTSENT_LOWAT, &lowat, socklen_t(MemoryLayout<Int32>.size))
        }
        loop.setHandler(fd: fd) { [weak self] events in self?.handle(events) }
        advanceHandshake()
    }

    private func handle(_ events: EventLoop.Events) {
        guard !closed else { return }
        if !established {
            advanceHandshake()
            return
        }
        var writeUnblocked = false
        if events.contains(.writable) {
            if readNeedsWritable {
                readNeedsWritable = false
                readAvailable()
            }
            if writeBlocked, !writeNeedsReadable {
                writeBlocked = false
                flush()
                writeUnblocked = !writeBlocked
            }
        }
        // After a blocked write went out, read even without EPOLLIN: OpenSSL
        // puts off a renegotiation the server asked for while a write is
        // unfinished, and the next read starts it.
        if events.contains(.readable) || events.contains(.hangup) || events.contains(.error) || writeUnblocked {
            readAvailable()
        }
        updateInterest()
    }

    /// After a read: a write that wanted one goes again.
    private func retryWriteAfterRead() {
        guard writeBlocked, writeNeedsReadable, !closed else { return }
        writeBlocked = false
        writeNeedsReadable = false
        retryingAfterRead = true
        flush()
        retryingAfterRead = false
    }

    /// A write wants a read first, and the renegotiation it waits for may
    /// not have started (OpenSSL starts it in a read): read once soon,
    /// without waiting for EPOLLIN, which may never come while the server
    /// waits for our ClientHello.
    private func scheduleReadKick() {
        guard !retryingAfterRead else { return }
        readSoon()
    }

    /// Reads once more later in this loop iteration, after the descriptors
    /// it dispatched: epoll does not report bytes OpenSSL already holds.
    private func readSoon() {
        guard !readKickScheduled else { return }
        readKickScheduled = true
        _ = loop.schedule(at: loop.now, readKick)
    }

    /// The body readSoon schedules, made once (no closure per kick).
    private lazy var readKick: () -> Void = { [weak self] in
        guard let self else { return }
        self.readKickScheduled = false
        guard !self.closed else { return }
        self.readAvailable()
        self.updateInterest()
    }

    /// Server side: re-keys the TLS session (`TLSConnection.rekey`): a
    /// TLS 1.2 renegotiation or a TLS 1.3 KeyUpdate; reads and writes carry
    /// it on.
    package func rekey() {
        guard established, !closed else { return }
        do {
            if try tls.rekey() == .wantWrite { readNeedsWritable = true }
        } catch {
            finish(error)
            return
        }
        readAvailable()
        updateInterest()
    }

    private func advanceHandshake() {
        do {
            switch try tls.handshake() {
            case .done:
                established = true
                handshakeNeedsWritable = false
                updateInterest()
                delegate?.streamEstablished(self)
                if !closed { readAvailable() }
            case .wantRead:
                handshakeNeedsWritable = false
                updateInterest()
            case .wantWrite:
                handshakeNeedsWritable = true
                updateInterest()
            }
        } catch {
            finish(error)
        }
    }

    /// Reads until OpenSSL would block or `readBudget` bytes went to the
    /// delegate, handing it up to 64 KiB of decrypted bytes at a time
    /// (several records: fewer calls, and longer runs of segments for the
    /// owner to join). When the budget ends the read, the socket's
    /// readiness (level-triggered) or readSoon, for what OpenSSL holds,
    /// brings the loop back once it has served its other descriptors.
    private func readAvailable() {
        if receiveWindow != nil { receiveWindow?.sample(fd, now: loop.now) }
        var filled = 0
        var delivered = 0
        while !closed {
            let result: TLSIOResult
            do {
                result = try tls.read(into: UnsafeMutableRawBufferPointer(rebasing: inBuffer[filled...]))
            } catch {
                deliver(filled)
                finish(error)
                return
            }
            switch result {
            case .bytes(let n):
                if n == 0 {
                    deliver(filled)
                    return
                }
                filled += n
                if inBuffer.count - filled < TLSConnection.maxRecordPayload {
                    deliver(filled)
                    delivered += filled
                    filled = 0
                    if delivered >= Self.readBudget, !closed {
                        if tls.hasPendingData { readSoon() }
                        return
                    }
                }
            case .wantRead:
                deliver(filled)
                retryWriteAfterRead()
                return
            case .wantWrite:
                deliver(filled)
                readNeedsWritable = true
                retryWriteAfterRead()
                updateInterest()
                return
            case .closed:
                deliver(filled)
                finish(nil)
                return
            }
        }
    }

    private func deliver(_ count: Int) {
        guard count > 0, !closed else { return }
        delegate?.stream(self, received: UnsafeRawBufferPointer(rebasing: inBuffer[0..<count]))
    }

    /// Appends a whole packet to the queue; false when the queue is full
    /// (the caller treats that as overload).
    @discardableResult
    package func enqueue(_ bytes: [UInt8]) -> Bool {
        let ok = bytes.withUnsafeBytes { out.append($0) }
        if !ok {
            flush()
            return bytes.withUnsafeBytes { out.append($0) }
        }
        return true
    }

    /// Writes queued bytes as records of up to 16 KiB until done or blocked.
    package func flush() {
        guard established, !closed, !writeBlocked else { return }
        let wasLarge = out.count > 32768
        while !out.isEmpty {
            var limit = TLSConnection.maxRecordPayload
            if let room = pacer?.room(fd) {
                if room == 0, pendingLength == 0 {
                    writeBlocked = true
                    out.compact()
                    updateInterest()
                    return
                }
                // A write OpenSSL has begun is retried at no shorter length.
                limit = max(min(limit, room), pendingLength)
            }
            let chunk = UnsafeRawBufferPointer(rebasing: out.bytes[0..<min(out.count, limit)])
            let result: TLSIOResult
            do {
                result = try tls.write(chunk)
            } catch {
                finish(error)
                return
            }
            switch result {
            case .bytes(let n):
                out.consume(n)
                pendingLength = 0
            case .wantWrite, .wantRead:
                pendingLength = chunk.count
                writeBlocked = true
                writeNeedsReadable = result == .wantRead
                if writeNeedsReadable { scheduleReadKick() }
                // OpenSSL retries from the same bytes (it accepts a moved
                // buffer), so what is left can go to the front now.
                out.compact()
                updateInterest()
                return
            case .closed:
                finish(nil)
                return
            }
        }
        updateInterest()
        if wasLarge || out.isEmpty { delegate?.streamDrained(self) }
    }

    private var interest: EventLoop.Events = .readable

    private func updateInterest() {
        guard !closed else { return }
        var wanted: EventLoop.Events = .readable
        if (!established && handshakeNeedsWritable) || (writeBlocked && !writeNeedsReadable) || readNeedsWritable {
            wanted.insert(.writable)
        }
        if wanted != interest {
            interest = wanted
            loop.modify(fd: fd, events: wanted)
        }
    }

    /// Sends close_notify if it can without waiting, then closes.
    package func close() {
        guard !closed else { return }
        if established { _ = try? tls.shutdown() }
        teardown()
    }

    private func teardown() {
        closed = true
        loop.remove(fd: fd)
        transport.close()
    }

    private func finish(_ error: TLSError?) {
        guard !closed else { return }
        teardown()
        delegate?.streamClosed(self, error: error)
    }
}
