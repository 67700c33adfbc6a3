import CSSTPOpenSSL
public import SSTPPlatform

/// What a TLSConnection's records travel on.
enum TLSCarrier {
    /// A kernel socket OpenSSL reads and writes itself (SSL_set_fd).
    case socket(Int32)
    /// A BIO pair the caller feeds and drains (TLSMemoryTransport).
    case memory
    /// A ByteTransport, through the transport BIO (TLSTransportBIO).
    case transport(any ByteTransport)

    /// The carrier for `transport`: its kernel socket straight to OpenSSL
    /// when it has one (the data plane's path stays as fast as before the
    /// seam: no callback per record), the transport BIO otherwise.
    init(_ transport: any ByteTransport) {
        if let socket = transport.kernelSocket {
            self = .socket(socket)
        } else {
            self = .transport(transport)
        }
    }

    var socket: Int32 {
        if case .socket(let fd) = self { return fd }
        return -1
    }

    func attach(_ ssl: OpaquePointer, to connection: TLSConnection) throws(TLSError) {
        switch self {
        case .socket(let fd):
            guard SSL_set_fd(ssl, fd) == 1 else {
                throw .openSSLFailure(call: "SSL_set_fd", detail: lastOpenSSLError())
            }
        case .memory:
            guard connection.attachMemoryTransport() else {
                throw .openSSLFailure(call: "BIO_new_bio_pair", detail: lastOpenSSLError())
            }
        case .transport(let transport):
            guard connection.attachTransport(transport) else {
                throw .openSSLFailure(call: "BIO_new", detail: lastOpenSSLError())
            }
        }
    }
}

extension TLSClientContext {
    /// Starts a client connection over `transport` (the byte-transport
    /// seam): a kernel socket goes to OpenSSL directly, any other
    /// transport through a BIO that calls it. The transport stays the
    /// caller's.
    public func connect(transport: any ByteTransport) throws(TLSError) -> TLSConnection {
        try connect(over: TLSCarrier(transport))
    }
}

extension TLSServerContext {
    /// Starts a server connection over `transport` (see
    /// `TLSClientContext.connect(transport:)`).
    public func accept(transport: any ByteTransport) throws(TLSError) -> TLSConnection {
        try accept(over: TLSCarrier(transport))
    }
}
