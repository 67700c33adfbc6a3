import CSSTPOpenSSL

/// Random bytes from OpenSSL's CSPRNG, for nonces, challenges and magic
/// numbers. Pure state machines take random bytes as input; the I/O layer
/// fills them from here.
public enum SystemRandom {
    public static func bytes(_ count: Int) throws(CryptoError) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        guard count == 0 || RAND_bytes(&out, Int32(count)) == 1 else {
            throw .openSSLFailure(call: "RAND_bytes", detail: lastOpenSSLError())
        }
        return out
    }
}
