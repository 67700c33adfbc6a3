/// The TLS 1.2 PRF (RFC 5246 §5): PRF(secret, label, seed) =
/// P_<hash>(secret, label || seed), with
///   P_hash(secret, seed) = HMAC(secret, A(1) || seed) || HMAC(secret, A(2) || seed) || ...
///   A(0) = seed, A(i) = HMAC(secret, A(i-1)).
/// TLS 1.2 uses SHA-256 unless the cipher suite names another hash. EAP-TLS
/// over TLS 1.2 (RFC 5216 §2.3) and PEAP's Tunnel Key (MS-PEAP 3.1.5.5.2.1)
/// come from it; the real TLS engine exports them itself, this is for the
/// test server and for checking an engine against known values.
public enum TLSPRF {
    public static func pHash(_ algorithm: DigestAlgorithm, secret: [UInt8], seed: [UInt8], length: Int)
        throws(CryptoError) -> [UInt8]
    {
        guard length >= 0, length <= 255 * algorithm.outputLength else {
            throw .badLength(what: "TLS PRF output", expected: 255 * algorithm.outputLength, actual: length)
        }
        var out: [UInt8] = []
        out.reserveCapacity(length)
        var a = seed
        while out.count < length {
            a = try hmac(algorithm, key: secret, data: a)
            out += try hmac(algorithm, key: secret, data: a + seed)
        }
        return Array(out.prefix(length))
    }

    /// PRF(secret, label, seed) of RFC 5246 §5, the label as ASCII without NUL.
    public static func prf(
        _ algorithm: DigestAlgorithm = .sha256, secret: [UInt8], label: String, seed: [UInt8], length: Int
    ) throws(CryptoError) -> [UInt8] {
        try pHash(algorithm, secret: secret, seed: Array(label.utf8) + seed, length: length)
    }
}
