import CSSTPOpenSSL

/// Where our digests and ciphers come from. MD4 and single DES live in
/// OpenSSL 3's legacy provider; we load it alone into a private library
/// context, so that the process-wide configuration is never changed. MD5,
/// SHA-1, SHA-256 and HMAC come from the default context, the one TLS
/// already uses: loading the default provider a second time into the
/// private context cost the client about 170 KB of heap for method stores
/// it already had (issue 17).
final class LibCrypto: @unchecked Sendable {
    /// The private context with only the legacy provider.
    let legacyContext: OpaquePointer
    /// The algorithms fetched once: an EVP_MD_fetch or EVP_CIPHER_fetch per
    /// call costs a provider lookup that showed up in connect-time profiles
    /// (MS-CHAPv2 hashes several times). Fetched objects are immutable and
    /// safe to share between threads.
    private let digests: [DigestAlgorithm: OpaquePointer]
    let desECB: OpaquePointer?

    private init(legacyContext: OpaquePointer) {
        self.legacyContext = legacyContext
        var found: [DigestAlgorithm: OpaquePointer] = [:]
        for algorithm in DigestAlgorithm.allCases {
            let ctx = algorithm.isLegacy ? legacyContext : nil
            if let md = EVP_MD_fetch(ctx, algorithm.rawValue, nil) { found[algorithm] = md }
        }
        digests = found
        desECB = EVP_CIPHER_fetch(legacyContext, "DES-ECB", nil)
        ERR_clear_error()
    }

    /// The fetched digest, or the error naming what is missing.
    func digest(_ algorithm: DigestAlgorithm) throws(CryptoError) -> OpaquePointer {
        guard let md = digests[algorithm] else {
            throw .algorithmUnavailable(name: algorithm.rawValue, detail: "not provided by this OpenSSL")
        }
        return md
    }

    /// Loaded once; immutable afterwards, so shared freely across threads.
    static let shared: Result<LibCrypto, CryptoError> = load(modulesPath: nil)

    /// Makes the private context with the legacy provider. `modulesPath`
    /// overrides where OpenSSL looks for provider modules (tests use it to
    /// show the error when legacy.so is missing); nil keeps OpenSSL's
    /// default, which honours OPENSSL_MODULES.
    static func load(modulesPath: String?) -> Result<LibCrypto, CryptoError> {
        guard let ctx = OSSL_LIB_CTX_new() else {
            return .failure(.openSSLFailure(call: "OSSL_LIB_CTX_new", detail: lastOpenSSLError()))
        }
        if let modulesPath, OSSL_PROVIDER_set_default_search_path(ctx, modulesPath) != 1 {
            OSSL_LIB_CTX_free(ctx)
            return .failure(
                .openSSLFailure(call: "OSSL_PROVIDER_set_default_search_path", detail: lastOpenSSLError()))
        }
        guard OSSL_PROVIDER_load(ctx, "legacy") != nil else {
            OSSL_LIB_CTX_free(ctx)
            return .failure(.legacyProviderMissing(detail: lastOpenSSLError()))
        }
        return .success(LibCrypto(legacyContext: ctx))
    }

    static func get() throws(CryptoError) -> LibCrypto {
        switch shared {
        case .success(let lib): return lib
        case .failure(let error): throw error
        }
    }
}

/// OpenSSL's last error as text, or "no detail".
func lastOpenSSLError() -> String {
    var buffer = [CChar](repeating: 0, count: 256)
    csstp_last_error(&buffer, buffer.count)
    let text = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    return text.isEmpty ? "no detail" : text
}

/// One-time set-up a first login would otherwise pay: the private library
/// context with its providers and the fetched algorithms. Safe from any
/// thread; an error here is met again, with its message, on first use.
public enum CryptoLibrary {
    public static func warmUp() {
        _ = try? LibCrypto.get()
    }
}
