import CSSTPOpenSSL

/// OpenSSL's process-wide one-time set-up: configuration and providers,
/// the DRBG (instantiated by the first RAND_bytes) and the cipher and
/// digest lookups of a first SSL_CTX. About 3 ms in a fresh process on a
/// slow machine (bench/README.md); OpenSSL guards each step with its own
/// run-once locks, so this may run on another thread while the caller
/// builds its context.
public enum TLSLibrary {
    public static func warmUp() {
        guard OPENSSL_init_ssl(0, nil) == 1 else { return }
        var byte: UInt8 = 0
        _ = RAND_bytes(&byte, 1)
        if let ctx = SSL_CTX_new(TLS_client_method()) { SSL_CTX_free(ctx) }
        ERR_clear_error()
    }
}
