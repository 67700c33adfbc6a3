import CSSTPOpenSSL

/// Loads the EAP-TLS client certificate and key into an SSL_CTX, with the
/// passphrase from memory (never OpenSSL's terminal prompt).
enum ClientIdentityLoader {
    static func load(_ identity: EAPTLSClientIdentity, passphrase: [UInt8]?, into ctx: OpaquePointer)
        throws(TLSError)
    {
        // The passphrase as a C string, wiped when done.
        var pass = [CChar](repeating: 0, count: (passphrase?.count ?? 0) + 1)
        defer { pass.withUnsafeMutableBytes { OPENSSL_cleanse($0.baseAddress, $0.count) } }
        for (index, byte) in (passphrase ?? []).enumerated() {
            guard byte != 0 else {
                throw .clientIdentityError(
                    path: path(identity), problem: .unreadable("the passphrase holds a NUL byte"))
            }
            pass[index] = CChar(bitPattern: byte)
        }
        let passLength = passphrase?.count ?? 0
        switch identity {
        case .pem(let certificateFile, let keyFile):
            guard SSL_CTX_use_certificate_chain_file(ctx, certificateFile) == 1 else {
                throw .clientIdentityError(path: certificateFile, problem: .unreadable(lastOpenSSLError()))
            }
            var asked: Int32 = 0
            guard let key = csstp_read_private_key(keyFile, pass, passLength, &asked) else {
                let detail = lastOpenSSLError()
                let problem: ClientIdentityProblem =
                    asked == 0 ? .unreadable(detail) : passLength == 0 ? .passphraseRequired : .wrongPassphrase
                throw .clientIdentityError(path: keyFile, problem: problem)
            }
            defer { EVP_PKEY_free(key) }
            guard SSL_CTX_use_PrivateKey(ctx, key) == 1, SSL_CTX_check_private_key(ctx) == 1 else {
                _ = OpenSSLError.pop()
                throw .clientIdentityError(path: keyFile, problem: .keyMismatch)
            }
        case .pkcs12(let file):
            var key: OpaquePointer?
            var certificate: OpaquePointer?
            var chain: OpaquePointer?
            let result = csstp_read_pkcs12(file, pass, &key, &certificate, &chain)
            defer {
                EVP_PKEY_free(key)
                X509_free(certificate)
                csstp_x509_stack_free(chain)
            }
            guard result == 1, let key, let certificate else {
                let problem: ClientIdentityProblem =
                    result == 0
                    ? (passLength == 0 ? .passphraseRequired : .wrongPassphrase)
                    : .unreadable(result == 1 ? "it holds no key and certificate" : lastOpenSSLError())
                throw .clientIdentityError(path: file, problem: problem)
            }
            guard SSL_CTX_use_cert_and_key(ctx, certificate, key, chain, 1) == 1 else {
                _ = OpenSSLError.pop()
                throw .clientIdentityError(path: file, problem: .keyMismatch)
            }
        }
    }

    private static func path(_ identity: EAPTLSClientIdentity) -> String {
        switch identity {
        case .pem(_, let keyFile): keyFile
        case .pkcs12(let file): file
        }
    }
}
