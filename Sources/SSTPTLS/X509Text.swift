import CSSTPOpenSSL

/// Certificate details for error messages and pins. Every function takes a
/// borrowed X509 pointer and never frees it.
enum X509Text {
    static func subject(_ cert: OpaquePointer) -> String {
        name(X509_get_subject_name(cert))
    }

    static func issuer(_ cert: OpaquePointer) -> String {
        name(X509_get_issuer_name(cert))
    }

    static func notBefore(_ cert: OpaquePointer) -> String {
        time(X509_get0_notBefore(cert))
    }

    static func notAfter(_ cert: OpaquePointer) -> String {
        time(X509_get0_notAfter(cert))
    }

    /// The names a host name check looks at: subjectAltName DNS names and IP
    /// addresses, and the subject CN when there are no DNS names.
    static func hostNames(_ cert: OpaquePointer) -> [String] {
        var buffer = [CChar](repeating: 0, count: 4096)
        guard csstp_x509_host_names(cert, &buffer, buffer.count) == 1 else { return [] }
        return text(buffer).split(separator: "\n").map(String.init)
    }

    /// Whether a leaf that OpenSSL's serverAuth purpose check refused is
    /// fit for a TLS server under MS-SSTP 3.2.4.1, which also accepts
    /// anyExtendedKeyUsage: its EKU lists anyExtendedKeyUsage, and nothing
    /// else the check looks at forbids it (key usage, when present, allows
    /// digitalSignature, keyEncipherment or keyAgreement; no Netscape
    /// certificate type).
    static func isServerLeafByAnyExtendedKeyUsage(_ cert: OpaquePointer) -> Bool {
        let extendedKeyUsage = X509_get_extended_key_usage(cert)  // UINT32_MAX when absent
        guard extendedKeyUsage != UInt32.max, extendedKeyUsage & UInt32(XKU_ANYEKU) != 0 else { return false }
        let keyUsage = X509_get_key_usage(cert)  // UINT32_MAX when absent
        guard keyUsage & UInt32(KU_DIGITAL_SIGNATURE | KU_KEY_ENCIPHERMENT | KU_KEY_AGREEMENT) != 0 else {
            return false
        }
        return X509_get_extension_flags(cert) & UInt32(EXFLAG_NSCERT) == 0
    }

    /// Why a certificate failed the serverAuth purpose check, for the error.
    static func purposeProblem(_ cert: OpaquePointer, depth: Int) -> String {
        guard depth == 0 else {
            return "it may not issue TLS server certificates (its basic constraints, key usage or "
                + "extended key usage forbid it)"
        }
        let extendedKeyUsage = X509_get_extended_key_usage(cert)
        let serverUsages = UInt32(XKU_SSL_SERVER | XKU_SGC | XKU_ANYEKU)
        if extendedKeyUsage != UInt32.max, extendedKeyUsage & serverUsages == 0 {
            return "its extended key usage has neither serverAuth nor anyExtendedKeyUsage (MS-SSTP 3.2.4.1)"
        }
        let keyUsage = X509_get_key_usage(cert)
        if keyUsage & UInt32(KU_DIGITAL_SIGNATURE | KU_KEY_ENCIPHERMENT | KU_KEY_AGREEMENT) == 0 {
            return "its key usage allows none of digitalSignature, keyEncipherment and keyAgreement"
        }
        return "its Netscape certificate type excludes TLS servers"
    }

    static func der(_ cert: OpaquePointer) -> [UInt8]? {
        encode { i2d_X509(cert, $0) }
    }

    static func subjectPublicKeyInfoDER(_ cert: OpaquePointer) -> [UInt8]? {
        guard let key = X509_get_X509_PUBKEY(cert) else { return nil }
        return encode { i2d_X509_PUBKEY(key, $0) }
    }

    /// Runs an i2d function twice: for the length, then into the array.
    private static func encode(
        _ i2d: (UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>?) -> Int32
    ) -> [UInt8]? {
        let length = i2d(nil)
        guard length > 0 else { return nil }
        var out = [UInt8](repeating: 0, count: Int(length))
        let written = out.withUnsafeMutableBufferPointer { buffer -> Int32 in
            var p = buffer.baseAddress
            return i2d(&p)
        }
        return written == length ? out : nil
    }

    private static func name(_ name: OpaquePointer?) -> String {
        guard let name else { return "(no name)" }
        var buffer = [CChar](repeating: 0, count: 1024)
        guard csstp_x509_name_text(name, &buffer, buffer.count) == 1 else { return "(unreadable name)" }
        let result = text(buffer)
        return result.isEmpty ? "(empty name)" : result
    }

    private static func time(_ time: UnsafePointer<ASN1_TIME>?) -> String {
        guard let time else { return "(no date)" }
        var buffer = [CChar](repeating: 0, count: 64)
        guard csstp_asn1_time_text(time, &buffer, buffer.count) == 1 else { return "(unreadable date)" }
        return text(buffer)
    }

    static func text(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// OpenSSL's earliest queued error as text, or "no detail"; clears the queue.
func lastOpenSSLError() -> String {
    let error = OpenSSLError.pop()
    return error.text.isEmpty ? "no detail" : error.text
}

/// One entry of OpenSSL's thread-local error queue.
struct OpenSSLError {
    var code: UInt
    var library: Int32
    var reason: Int32
    var text: String

    /// Takes the earliest error and clears the rest of the queue.
    static func pop() -> OpenSSLError {
        var library: Int32 = 0
        var reason: Int32 = 0
        var buffer = [CChar](repeating: 0, count: 256)
        let code = csstp_pop_error(&library, &reason, &buffer, buffer.count)
        return OpenSSLError(code: code, library: library, reason: reason, text: X509Text.text(buffer))
    }
}
