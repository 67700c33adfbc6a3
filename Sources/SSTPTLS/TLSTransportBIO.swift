import CSSTPOpenSSL
import Glibc
import SSTPPlatform

/// TLS over a ByteTransport: a BIO (csstp_transport_bio_new) whose reads
/// and writes call the transport's, so the same TLSConnection runs over a
/// socket, the in-memory pair or anything else with the seam's contract.
/// The callbacks pass the caller's buffers straight through: nothing is
/// copied or allocated per record.
final class TransportBIOContext {
    let transport: any ByteTransport

    init(_ transport: any ByteTransport) {
        self.transport = transport
    }

    /// A BIO that calls this context's transport; the caller keeps the
    /// context alive as long as the BIO (the TLSConnection holds both).
    func makeBIO() -> OpaquePointer? {
        csstp_transport_bio_new(
            Unmanaged.passUnretained(self).toOpaque(),
            { context, buffer, length in
                guard let context, let buffer, length > 0 else { return CSSTP_TRANSPORT_FAILED }
                let me = Unmanaged<TransportBIOContext>.fromOpaque(context).takeUnretainedValue()
                let into = UnsafeMutableRawBufferPointer(start: buffer, count: Int(length))
                return TransportBIOContext.code(me.transport.read(into: into))
            },
            { context, buffer, length in
                guard let context, let buffer, length > 0 else { return CSSTP_TRANSPORT_FAILED }
                let me = Unmanaged<TransportBIOContext>.fromOpaque(context).takeUnretainedValue()
                let bytes = UnsafeRawBufferPointer(start: buffer, count: Int(length))
                return TransportBIOContext.code(me.transport.write(bytes))
            })
    }

    /// The C callback's return: bytes, or what the BIO maps to a retry, an
    /// end of stream or a failure (with errno set, as a socket leaves it).
    static func code(_ result: ByteTransportResult) -> Int32 {
        switch result {
        case .bytes(let n): return n > 0 ? Int32(clamping: n) : CSSTP_TRANSPORT_WOULD_BLOCK
        case .wouldBlock: return CSSTP_TRANSPORT_WOULD_BLOCK
        case .endOfStream: return CSSTP_TRANSPORT_END
        case .failed(let code):
            errno = code
            return CSSTP_TRANSPORT_FAILED
        }
    }
}

extension TLSConnection {
    /// Runs the connection over `transport` through the BIO above. False
    /// when OpenSSL refuses.
    func attachTransport(_ transport: any ByteTransport) -> Bool {
        let context = TransportBIOContext(transport)
        guard let bio = context.makeBIO() else { return false }
        // The SSL owns the BIO (one reference serves both directions).
        SSL_set_bio(ssl, bio, bio)
        transportContext = context
        return true
    }
}
