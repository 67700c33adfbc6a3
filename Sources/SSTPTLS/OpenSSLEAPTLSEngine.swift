public import PPP

/// The EAP-TLS / PEAP TLS engine (`EAPTLSEngine`) on OpenSSL over a memory
/// BIO pair: the method's EAP framing carries the records, this only turns
/// TLS bytes in into TLS bytes out. Made by `EAPTLSClientContext.makeEngine`.
///
/// The value shares one OpenSSL connection: copies are the same engine, and
/// one thread at a time drives it (the PPP engine's), hence
/// `@unchecked Sendable`.
public struct OpenSSLEAPTLSEngine: EAPTLSEngine, @unchecked Sendable {
    private let session: Session

    init(connection: TLSConnection) {
        session = Session(connection: connection)
    }

    public mutating func startHandshake() throws(EAPTLSEngineFailure) -> [UInt8] {
        try session.advance()
        return session.drain()
    }

    public mutating func receive(_ bytes: [UInt8]) throws(EAPTLSEngineFailure) -> [UInt8] {
        try session.receive(bytes)
    }

    public var isHandshakeComplete: Bool { session.handshakeDone }

    public var negotiatedVersion: EAPTLSVersion? {
        switch session.connection.negotiatedVersion {
        case .tls13: .tls13
        case .tls12: .tls12OrEarlier
        case nil: nil
        }
    }

    public mutating func takeApplicationData() -> [UInt8] {
        defer { session.applicationData = [] }
        return session.applicationData
    }

    public var receivedCloseNotify: Bool { session.closeNotify }

    public mutating func sendApplicationData(_ bytes: [UInt8]) throws(EAPTLSEngineFailure) -> [UInt8] {
        try session.send(bytes)
    }

    public func exportKeyingMaterial(label: String, context: [UInt8]?, length: Int) throws(EAPTLSEngineFailure)
        -> [UInt8]
    {
        guard let material = session.connection.exportKeyingMaterial(label: label, context: context, length: length)
        else {
            throw EAPTLSEngineFailure(kind: .exportFailed, detail: "OpenSSL could not export the TLS keying material")
        }
        return material
    }

    /// The server's leaf certificate (DER) once the handshake finished.
    public var peerCertificateDER: [UInt8]? { session.connection.peerCertificateDER }

    /// The TLS failure behind the last thrown engine failure, for callers
    /// that want the full typed error.
    public var lastTLSError: TLSError? { session.lastError }
}

extension OpenSSLEAPTLSEngine {
    final class Session {
        let connection: TLSConnection
        var handshakeDone = false
        var applicationData: [UInt8] = []
        var closeNotify = false
        var lastError: TLSError?
        private var buffer = [UInt8](repeating: 0, count: 16384)

        init(connection: TLSConnection) {
            self.connection = connection
        }

        func receive(_ bytes: [UInt8]) throws(EAPTLSEngineFailure) -> [UInt8] {
            var offset = 0
            while offset < bytes.count {
                let taken = bytes[offset...].withUnsafeBytes { connection.feedCiphertext($0) }
                offset += taken
                try advance()
                if taken == 0 && connection.pendingCiphertext == 0 {
                    throw EAPTLSEngineFailure(kind: .handshakeFailed, detail: "the TLS engine took no more input")
                }
            }
            return drain()
        }

        /// Runs the handshake as far as the input allows, then reads what
        /// application data (or close_notify) arrived.
        func advance() throws(EAPTLSEngineFailure) {
            do throws(TLSError) {
                if !handshakeDone, try connection.handshake() == .done {
                    handshakeDone = true
                }
                guard handshakeDone else { return }
                while !closeNotify {
                    let result = try buffer.withUnsafeMutableBytes { bytes in
                        Result { () throws(TLSError) in try connection.read(into: bytes) }
                    }.get()
                    guard case .bytes(let count) = result, count > 0 else {
                        if case .closed = result { closeNotify = true }
                        break
                    }
                    applicationData += buffer[0..<count]
                }
            } catch {
                lastError = error
                throw EAPTLSEngineFailure(kind: Self.kind(of: error), detail: error.eapDescription, alert: drain())
            }
        }

        func send(_ bytes: [UInt8]) throws(EAPTLSEngineFailure) -> [UInt8] {
            var out: [UInt8] = []
            var offset = 0
            while offset < bytes.count {
                let end = min(bytes.count, offset + TLSConnection.maxRecordPayload)
                let result: TLSIOResult
                do throws(TLSError) {
                    result = try bytes[offset..<end].withUnsafeBytes { chunk in
                        Result { () throws(TLSError) in try connection.write(chunk) }
                    }.get()
                } catch {
                    lastError = error
                    throw EAPTLSEngineFailure(kind: Self.kind(of: error), detail: error.eapDescription, alert: drain())
                }
                out += drain()
                guard case .bytes(let count) = result, count > 0 else {
                    throw EAPTLSEngineFailure(kind: .handshakeFailed, detail: "TLS refused application data")
                }
                offset += count
            }
            return out + drain()
        }

        /// The ciphertext waiting to go to the server.
        func drain() -> [UInt8] {
            var out: [UInt8] = []
            while connection.pendingCiphertext > 0 {
                let count = buffer.withUnsafeMutableBytes { connection.drainCiphertext(into: $0) }
                guard count > 0 else { break }
                out += buffer[0..<count]
            }
            return out
        }

        /// Certificate verdicts on the server are named as for the outer
        /// server; an alert about our certificate (RFC 8446 §6.2) means the
        /// server refused it.
        static func kind(of error: TLSError) -> EAPTLSEngineFailureKind {
            switch error {
            case .hostnameMismatch, .unableToGetIssuer, .untrustedIssuer, .selfSigned, .expired, .notYetValid,
                .wrongPurpose, .pinMismatch, .certificateChanged, .certificateRejected, .serverNameRuleMismatch:
                return .serverCertificateUntrusted
            case .handshakeAlert(let code, _):
                // bad_certificate 42 .. access_denied 49, certificate_required 116.
                return (42...49).contains(code) || code == 116 ? .clientCertificateRejected : .handshakeFailed
            default:
                return .handshakeFailed
            }
        }
    }
}
