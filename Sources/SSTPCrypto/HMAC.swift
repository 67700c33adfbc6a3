import CSSTPOpenSSL

/// HMAC (RFC 2104) with SHA-1 or SHA-256, through OpenSSL's EVP_MAC.
public func hmac(_ algorithm: DigestAlgorithm, key: [UInt8], data: [UInt8]) throws(CryptoError)
    -> [UInt8]
{
    // HMAC and its SHA digests come from the default context (LibCrypto).
    var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
    var length = 0
    let ok = key.withUnsafeBytes { k in
        data.withUnsafeBytes { d in
            out.withUnsafeMutableBytes { o in
                EVP_Q_mac(
                    nil, "HMAC", nil, algorithm.rawValue, nil,
                    k.baseAddress, k.count, d.baseAddress?.assumingMemoryBound(to: UInt8.self),
                    d.count, o.baseAddress?.assumingMemoryBound(to: UInt8.self), o.count, &length)
            }
        }
    }
    guard ok != nil else {
        throw .openSSLFailure(call: "EVP_Q_mac(HMAC-\(algorithm.rawValue))", detail: lastOpenSSLError())
    }
    return Array(out.prefix(length))
}
