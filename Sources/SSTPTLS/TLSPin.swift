import ByteCoding
import CSSTPOpenSSL

/// A SHA-256 pin on the server's certificate, written `sha256:BASE64` (the
/// Base64 of the 32-byte hash). A pin matches the SHA-256 of the leaf
/// certificate's DER or of its SubjectPublicKeyInfo DER, so one format pins
/// either the certificate or the key (which survives a renewal that keeps
/// the key). The SPKI form is HPKP's (RFC 7469 §2.4); get it with
///
///     openssl x509 -in cert.pem -pubkey -noout | openssl pkey -pubin -outform der \
///         | openssl dgst -sha256 -binary | base64
///
/// and the certificate form with `openssl x509 -in cert.pem -outform der |
/// openssl dgst -sha256 -binary | base64`.
public struct TLSPin: Hashable, Sendable, CustomStringConvertible {
    /// The 32 bytes of the hash.
    public let sha256: [UInt8]

    init(digest: [UInt8]) {
        sha256 = digest
    }

    /// Parses `sha256:BASE64`. The prefix is case-insensitive; the "="
    /// padding may be left out.
    public init(parsing text: String) throws(TLSError) {
        let trimmed = text.trimmingASCIIWhitespace()
        guard let colon = trimmed.firstIndex(of: ":") else {
            throw .invalidPin(text, reason: "it has no \"sha256:\" prefix")
        }
        let algorithm = trimmed[..<colon].lowercased()
        guard algorithm == "sha256" || algorithm == "sha-256" else {
            throw .invalidPin(text, reason: "only sha256 pins are supported, not \(algorithm)")
        }
        guard let digest = Base64.decode(String(trimmed[trimmed.index(after: colon)...])) else {
            throw .invalidPin(text, reason: "the part after \"sha256:\" is not Base64")
        }
        guard digest.count == 32 else {
            throw .invalidPin(text, reason: "it decodes to \(digest.count) bytes, a SHA-256 hash has 32")
        }
        sha256 = digest
    }

    /// The pin of a certificate's DER encoding.
    public static func certificate(der: [UInt8]) throws(TLSError) -> TLSPin {
        try TLSPin(digest: sha256Digest(der))
    }

    /// The pin of the SubjectPublicKeyInfo of the certificate in `der`.
    public static func publicKey(certificateDER der: [UInt8]) throws(TLSError) -> TLSPin {
        let cert = der.withUnsafeBufferPointer { buffer -> OpaquePointer? in
            var p = buffer.baseAddress
            return d2i_X509(nil, &p, buffer.count)
        }
        guard let cert else {
            throw .openSSLFailure(call: "d2i_X509", detail: lastOpenSSLError())
        }
        defer { X509_free(cert) }
        return try publicKey(of: cert)
    }

    static func publicKey(of cert: OpaquePointer) throws(TLSError) -> TLSPin {
        guard let spki = X509Text.subjectPublicKeyInfoDER(cert) else {
            throw .openSSLFailure(call: "i2d_X509_PUBKEY", detail: lastOpenSSLError())
        }
        return try TLSPin(digest: sha256Digest(spki))
    }

    public var description: String { "sha256:" + Base64.encode(sha256) }
}

/// SHA-256 through libcrypto's default provider.
func sha256Digest(_ bytes: [UInt8]) throws(TLSError) -> [UInt8] {
    var out = [UInt8](repeating: 0, count: 32)
    var length: UInt32 = 0
    let ok = bytes.withUnsafeBytes { input in
        EVP_Digest(input.baseAddress, input.count, &out, &length, EVP_sha256(), nil)
    }
    guard ok == 1, length == 32 else {
        throw .openSSLFailure(call: "EVP_Digest(SHA-256)", detail: lastOpenSSLError())
    }
    return out
}

extension String {
    func trimmingASCIIWhitespace() -> Substring {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let first = firstIndex(where: { !isSpace($0) }) else { return ""[...] }
        guard let last = lastIndex(where: { !isSpace($0) }) else { return ""[...] }
        return self[first...last]
    }
}
