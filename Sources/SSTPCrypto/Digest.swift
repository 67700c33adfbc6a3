import CSSTPOpenSSL

/// The hash functions this project needs, by OpenSSL name.
public enum DigestAlgorithm: String, Sendable, CaseIterable {
    /// RFC 1320; MS-CHAPv2's NT password hash (legacy provider).
    case md4 = "MD4"
    /// RFC 1321; CHAP-MD5.
    case md5 = "MD5"
    case sha1 = "SHA1"
    case sha256 = "SHA256"

    /// In the legacy provider (LibCrypto's private context), not the default.
    var isLegacy: Bool { self == .md4 }

    public var outputLength: Int {
        switch self {
        case .md4, .md5: 16
        case .sha1: 20
        case .sha256: 32
        }
    }
}

/// One-shot digest over the concatenation of `parts`.
public func digest(_ algorithm: DigestAlgorithm, _ parts: [UInt8]...) throws(CryptoError) -> [UInt8] {
    try digest(algorithm, parts: parts)
}

public func digest(_ algorithm: DigestAlgorithm, parts: [[UInt8]]) throws(CryptoError) -> [UInt8] {
    let md = try LibCrypto.get().digest(algorithm)
    guard let ctx = EVP_MD_CTX_new() else {
        throw .openSSLFailure(call: "EVP_MD_CTX_new", detail: lastOpenSSLError())
    }
    defer { EVP_MD_CTX_free(ctx) }
    guard EVP_DigestInit_ex2(ctx, md, nil) == 1 else {
        throw .openSSLFailure(call: "EVP_DigestInit_ex2", detail: lastOpenSSLError())
    }
    for part in parts {
        let ok = part.withUnsafeBytes { EVP_DigestUpdate(ctx, $0.baseAddress, $0.count) }
        guard ok == 1 else {
            throw .openSSLFailure(call: "EVP_DigestUpdate", detail: lastOpenSSLError())
        }
    }
    var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
    var length: UInt32 = 0
    guard EVP_DigestFinal_ex(ctx, &out, &length) == 1 else {
        throw .openSSLFailure(call: "EVP_DigestFinal_ex", detail: lastOpenSSLError())
    }
    return Array(out.prefix(Int(length)))
}
