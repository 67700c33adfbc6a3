import CSSTPOpenSSL
import Glibc

/// A TLS server made directly with OpenSSL, for the old servers our own
/// server context will not be (TLS 1.0 only, legacy cipher suites only):
/// one protocol version, one cipher list, one certificate chain.
final class RawOpenSSLServer {
    let ctx: OpaquePointer
    let ssl: OpaquePointer

    /// `configure` runs on the context before the version and cipher list
    /// are set (security level, server preference, DH).
    init(
        socket: Int32, version: Int32, ciphers: String, chain: String, key: String,
        configure: (OpaquePointer) -> Void = { _ in }
    ) throws {
        guard let ctx = SSL_CTX_new(TLS_server_method()) else {
            throw TLSPair.Failure(description: "SSL_CTX_new")
        }
        self.ctx = ctx
        configure(ctx)
        guard csstp_ssl_ctx_set_proto_versions(ctx, version, version) == 1,
            SSL_CTX_set_cipher_list(ctx, ciphers) == 1,
            SSL_CTX_use_certificate_chain_file(ctx, chain) == 1,
            SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) == 1,
            let ssl = SSL_new(ctx)
        else {
            SSL_CTX_free(ctx)
            throw TLSPair.Failure(description: "raw OpenSSL server setup failed (\(ciphers))")
        }
        self.ssl = ssl
        SSL_set_fd(ssl, socket)
        SSL_set_accept_state(ssl)
    }

    deinit {
        SSL_free(ssl)
        SSL_CTX_free(ctx)
    }

    /// 1 when the handshake finished, 0 while it waits, -1 on failure.
    func step() -> Int {
        let result = SSL_do_handshake(ssl)
        if result == 1 { return 1 }
        let code = SSL_get_error(ssl, result)
        ERR_clear_error()
        return code == SSL_ERROR_WANT_READ || code == SSL_ERROR_WANT_WRITE ? 0 : -1
    }
}
