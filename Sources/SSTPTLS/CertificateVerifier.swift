import CSSTPOpenSSL

/// The client's check of the server's certificate, run by OpenSSL inside
/// the handshake through two callbacks:
///
/// - the chain callback (SSL_CTX_set_cert_verify_callback) replaces
///   OpenSSL's call to X509_verify_cert: it remembers the leaf that is
///   verified (the crypto binding hashes exactly it), runs
///   X509_verify_cert (chain, validity, purpose serverAuth, and the RFC
///   6125 name set on the SSL's X509_VERIFY_PARAM), then checks the pins;
/// - the per-certificate callback (SSL_CTX_set_verify) records the first
///   failure with the failing certificate's details, and accepts a leaf
///   with anyExtendedKeyUsage, which MS-SSTP 3.2.4.1 allows and OpenSSL's
///   serverAuth purpose does not (only when nothing else is wrong with its
///   purpose).
///
/// When pins are given, they decide alone: a leaf that matches one is
/// trusted (the chain and name checks still run, for the record), one that
/// matches none is refused.
///
/// A failure makes OpenSSL send an alert and fail the handshake;
/// `TLSConnection` then throws the recorded error. With
/// `insecureSkipVerify` the verification still runs, so the caller can say
/// what would have failed, but only a pin failure stops the handshake.
///
/// A TLS 1.2 renegotiation runs the check again; the leaf must then be the
/// very certificate of the first handshake.
///
/// One verifier belongs to one SSL (its ex_data slot 0, "app data") and is
/// only used on the thread that drives that connection.
final class CertificateVerifier {
    let peerName: TLSPeerName
    let pins: [TLSPin]
    let insecureSkipVerify: Bool

    /// The first verification failure, even when `insecureSkipVerify`
    /// ignored it.
    private(set) var firstFailure: TLSError?
    /// Set when the pins matched nothing; always fatal.
    private(set) var pinFailure: TLSError?
    /// The DER of the leaf certificate the chain callback verified.
    private(set) var leafDER: [UInt8]?
    private(set) var leafSubject: String?
    private(set) var leafPins: (certificate: TLSPin, publicKey: TLSPin)?
    /// Whether X509_verify_cert accepted the chain and the name.
    private(set) var chainVerified = false
    /// Whether a pin matched the leaf (then the chain and name did not
    /// matter).
    private(set) var pinMatched = false
    /// Set when a renegotiation presented another certificate.
    private(set) var renegotiationFailure: TLSError?
    /// An unexpected failure inside the callback (no leaf, DER encoding).
    private(set) var internalFailure: TLSError?
    /// How many certificates the server sent, the leaf included.
    private var presentedCount = 0
    /// A further check of a leaf whose chain verified (the EAP server's
    /// name rules and key usage); its error fails the handshake.
    var leafCheck: ((OpaquePointer) -> TLSError?)?

    init(peerName: TLSPeerName, pins: [TLSPin], insecureSkipVerify: Bool) {
        self.peerName = peerName
        self.pins = pins
        self.insecureSkipVerify = insecureSkipVerify
    }

    /// The error the handshake failed with, if verification failed it.
    var handshakeFailure: TLSError? {
        if let internalFailure { return internalFailure }
        if let renegotiationFailure { return renegotiationFailure }
        if let pinFailure { return pinFailure }
        return insecureSkipVerify || pinMatched ? nil : firstFailure
    }

    /// Installs both callbacks on a client SSL_CTX.
    static func install(on ctx: OpaquePointer) {
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER) { preverifyOK, store in
            guard let store, let verifier = CertificateVerifier.of(store) else { return preverifyOK }
            return verifier.checkCertificate(preverifyOK: preverifyOK, store: store)
        }
        SSL_CTX_set_cert_verify_callback(
            ctx,
            { store, _ in
                // Fail closed: without our verifier nothing was configured.
                guard let store, let verifier = CertificateVerifier.of(store) else { return 0 }
                return verifier.verifyChain(store: store)
            }, nil)
    }

    /// Attaches this verifier to an SSL. The SSL must not outlive it.
    func attach(to ssl: OpaquePointer) -> Bool {
        SSL_set_ex_data(ssl, 0, Unmanaged.passUnretained(self).toOpaque()) == 1
    }

    private static func of(_ store: OpaquePointer) -> CertificateVerifier? {
        guard let ssl = X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()),
            let raw = SSL_get_ex_data(OpaquePointer(ssl), 0)
        else { return nil }
        return Unmanaged<CertificateVerifier>.fromOpaque(raw).takeUnretainedValue()
    }

    private func verifyChain(store: OpaquePointer) -> Int32 {
        // One run per Certificate message: the handshake's, then one per
        // TLS 1.2 renegotiation.
        firstFailure = nil
        pinFailure = nil
        chainVerified = false
        pinMatched = false
        presentedCount = Int(OPENSSL_sk_num(X509_STORE_CTX_get0_untrusted(store)))
        guard let leaf = X509_STORE_CTX_get0_cert(store), let der = X509Text.der(leaf) else {
            internalFailure = .openSSLFailure(
                call: "certificate verification", detail: "the server's certificate is missing or unreadable")
            return 0
        }
        let presented: (certificate: TLSPin, publicKey: TLSPin)
        do {
            presented = (try TLSPin.certificate(der: der), try TLSPin.publicKey(of: leaf))
        } catch {
            internalFailure = error
            return 0
        }
        if let first = leafDER {
            // A renegotiation: the crypto binding (MS-SSTP 3.2.5.2.2) hashed
            // the first certificate, and a server may not swap it for
            // another mid-session (the triple handshake attack relies on
            // such a swap).
            guard first == der else {
                renegotiationFailure = .certificateChanged(
                    first: "\"\(leafSubject ?? "(unknown)")\" (\(leafPins.map { "\($0.certificate)" } ?? "?"))",
                    presented: "\"\(X509Text.subject(leaf))\" (\(presented.certificate))")
                X509_STORE_CTX_set_error(store, X509_V_ERR_APPLICATION_VERIFICATION)
                return 0
            }
        }
        leafDER = der
        leafSubject = X509Text.subject(leaf)
        leafPins = presented
        chainVerified = X509_verify_cert(store) == 1
        if chainVerified, let leafCheck, let failure = leafCheck(leaf) {
            chainVerified = false
            firstFailure = firstFailure ?? failure
            X509_STORE_CTX_set_error(store, X509_V_ERR_APPLICATION_VERIFICATION)
        }
        if !chainVerified, firstFailure == nil {
            // Failed without calling the per-certificate callback.
            record(
                error: X509_STORE_CTX_get_error(store), depth: X509_STORE_CTX_get_error_depth(store),
                cert: X509_STORE_CTX_get_current_cert(store))
        }
        if !pins.isEmpty {
            // A pin names exactly one certificate or key: a match is the
            // trust decision, whatever the chain and the name say (like
            // openconnect's --servercert); no match refuses.
            guard pins.contains(presented.certificate) || pins.contains(presented.publicKey) else {
                pinFailure = .pinMismatch(
                    expected: pins, certificate: presented.certificate, publicKey: presented.publicKey)
                X509_STORE_CTX_set_error(store, X509_V_ERR_APPLICATION_VERIFICATION)
                return 0
            }
            pinMatched = true
            X509_STORE_CTX_set_error(store, X509_V_OK)
            return 1
        }
        if !chainVerified, !insecureSkipVerify { return 0 }
        return 1
    }

    private func checkCertificate(preverifyOK: Int32, store: OpaquePointer) -> Int32 {
        if preverifyOK == 1 { return 1 }
        let error = X509_STORE_CTX_get_error(store)
        let depth = X509_STORE_CTX_get_error_depth(store)
        let cert = X509_STORE_CTX_get_current_cert(store)
        if error == X509_V_ERR_INVALID_PURPOSE, depth == 0, let cert,
            X509Text.isServerLeafByAnyExtendedKeyUsage(cert)
        {
            X509_STORE_CTX_set_error(store, X509_V_OK)
            return 1
        }
        if firstFailure == nil { record(error: error, depth: depth, cert: cert) }
        return 0
    }

    private func record(error code: Int32, depth rawDepth: Int32, cert: OpaquePointer?) {
        let depth = Int(rawDepth)
        guard let cert else {
            firstFailure = .certificateRejected(
                subject: "(unknown)", depth: depth, code: Int(code), reason: Self.reason(code))
            return
        }
        let subject = X509Text.subject(cert)
        switch code {
        case X509_V_ERR_HOSTNAME_MISMATCH, X509_V_ERR_IP_ADDRESS_MISMATCH:
            firstFailure = .hostnameMismatch(expected: peerName.text, presented: X509Text.hostNames(cert))
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY,
            X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
            firstFailure = .unableToGetIssuer(
                certificate: subject, issuer: X509Text.issuer(cert), depth: depth,
                presentedCount: presentedCount)
        case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN, X509_V_ERR_CERT_UNTRUSTED:
            firstFailure = .untrustedIssuer(root: subject, depth: depth)
        case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
            firstFailure = .selfSigned(subject: subject)
        case X509_V_ERR_CERT_HAS_EXPIRED:
            firstFailure = .expired(subject: subject, notAfter: X509Text.notAfter(cert), depth: depth)
        case X509_V_ERR_CERT_NOT_YET_VALID:
            firstFailure = .notYetValid(subject: subject, notBefore: X509Text.notBefore(cert), depth: depth)
        case X509_V_ERR_INVALID_PURPOSE:
            firstFailure = .wrongPurpose(
                subject: subject, depth: depth, reason: X509Text.purposeProblem(cert, depth: depth))
        default:
            firstFailure = .certificateRejected(
                subject: subject, depth: depth, code: Int(code), reason: Self.reason(code))
        }
    }

    private static func reason(_ code: Int32) -> String {
        guard let text = X509_verify_cert_error_string(Int(code)) else { return "unknown error" }
        return String(cString: text)
    }
}
