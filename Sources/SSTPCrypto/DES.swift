import CSSTPOpenSSL

/// Single DES in ECB mode over one 8-byte block, with a 7-byte key spread
/// over 8 bytes as RFC 2759 §8.6 (DesEncrypt) describes. DES lives in
/// OpenSSL 3's legacy provider.
func desEncryptBlock(clear: ArraySlice<UInt8>, key7: ArraySlice<UInt8>) throws(CryptoError) -> [UInt8] {
    guard clear.count == 8 else { throw .badLength(what: "DES block", expected: 8, actual: clear.count) }
    guard key7.count == 7 else { throw .badLength(what: "DES key", expected: 7, actual: key7.count) }
    let key = expandDESKey(Array(key7))
    let lib = try LibCrypto.get()
    guard let cipher = lib.desECB else {
        throw .algorithmUnavailable(name: "DES-ECB", detail: "not provided by this OpenSSL")
    }
    guard let ctx = EVP_CIPHER_CTX_new() else {
        throw .openSSLFailure(call: "EVP_CIPHER_CTX_new", detail: lastOpenSSLError())
    }
    defer { EVP_CIPHER_CTX_free(ctx) }
    guard EVP_EncryptInit_ex2(ctx, cipher, key, nil, nil) == 1 else {
        throw .openSSLFailure(call: "EVP_EncryptInit_ex2(DES-ECB)", detail: lastOpenSSLError())
    }
    EVP_CIPHER_CTX_set_padding(ctx, 0)
    var out = [UInt8](repeating: 0, count: 16)
    var outLength: Int32 = 0
    let input = Array(clear)
    guard EVP_EncryptUpdate(ctx, &out, &outLength, input, 8) == 1, outLength == 8 else {
        throw .openSSLFailure(call: "EVP_EncryptUpdate(DES-ECB)", detail: lastOpenSSLError())
    }
    return Array(out.prefix(8))
}

/// 56 key bits into 8 bytes of 7 bits each; the low (parity) bit is left
/// zero, which DES ignores.
func expandDESKey(_ k: [UInt8]) -> [UInt8] {
    [
        k[0] & 0xfe,
        (k[0] << 7) | (k[1] >> 1),
        (k[1] << 6) | (k[2] >> 2),
        (k[2] << 5) | (k[3] >> 3),
        (k[3] << 4) | (k[4] >> 4),
        (k[4] << 3) | (k[5] >> 5),
        (k[5] << 2) | (k[6] >> 6),
        k[6] << 1,
    ].map { $0 & 0xfe }
}
