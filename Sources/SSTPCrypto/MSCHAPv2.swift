/// MS-CHAPv2 computations of RFC 2759 §8. Both roles use them: the peer to
/// answer, the authenticator to check the answer and prove itself.
public enum MSCHAPv2 {
    /// RFC 2759 §8.7 Magic1 and Magic2 of GenerateAuthenticatorResponse.
    static let authenticatorMagic1 = Array("Magic server to client signing constant".utf8)
    static let authenticatorMagic2 = Array("Pad to make it do more than one iteration".utf8)

    /// RFC 2759 §8.3: MD4 of the password in UTF-16LE (at most 256 characters).
    public static func ntPasswordHash(password: String) throws(CryptoError) -> [UInt8] {
        try digest(.md4, utf16LittleEndian(password))
    }

    /// RFC 2759 §8.4: MD4 of the hash.
    public static func hashNtPasswordHash(_ passwordHash: [UInt8]) throws(CryptoError) -> [UInt8] {
        try digest(.md4, passwordHash)
    }

    /// RFC 2759 §8.2: first 8 bytes of SHA1(PeerChallenge | AuthenticatorChallenge | UserName),
    /// where UserName has any "DOMAIN\" prefix removed.
    public static func challengeHash(
        peerChallenge: [UInt8], authenticatorChallenge: [UInt8], userName: String
    ) throws(CryptoError) -> [UInt8] {
        try checkLength("Peer-Challenge", peerChallenge, 16)
        try checkLength("Authenticator-Challenge", authenticatorChallenge, 16)
        let name = Array(strippingDomain(userName).utf8)
        return Array(try digest(.sha1, peerChallenge, authenticatorChallenge, name).prefix(8))
    }

    /// RFC 2759 §8.5: three DES encryptions of the challenge with the
    /// password hash padded to 21 bytes.
    public static func challengeResponse(challenge: [UInt8], passwordHash: [UInt8]) throws(CryptoError)
        -> [UInt8]
    {
        try checkLength("Challenge", challenge, 8)
        try checkLength("PasswordHash", passwordHash, 16)
        let z = passwordHash + [UInt8](repeating: 0, count: 5)
        var out: [UInt8] = []
        for part in 0..<3 {
            out += try desEncryptBlock(clear: challenge[...], key7: z[(part * 7)..<(part * 7 + 7)])
        }
        return out
    }

    /// RFC 2759 §8.1: the 24-byte NT-Response.
    public static func generateNTResponse(
        authenticatorChallenge: [UInt8], peerChallenge: [UInt8], userName: String,
        passwordHash: [UInt8]
    ) throws(CryptoError) -> [UInt8] {
        let challenge = try challengeHash(
            peerChallenge: peerChallenge, authenticatorChallenge: authenticatorChallenge,
            userName: userName)
        return try challengeResponse(challenge: challenge, passwordHash: passwordHash)
    }

    /// RFC 2759 §8.7: the 42-character "S=<40 hex digits>" the authenticator
    /// sends in its Success packet.
    public static func generateAuthenticatorResponse(
        passwordHash: [UInt8], ntResponse: [UInt8], peerChallenge: [UInt8],
        authenticatorChallenge: [UInt8], userName: String
    ) throws(CryptoError) -> String {
        try checkLength("NT-Response", ntResponse, 24)
        let hashHash = try hashNtPasswordHash(passwordHash)
        let first = try digest(.sha1, hashHash, ntResponse, authenticatorMagic1)
        let challenge = try challengeHash(
            peerChallenge: peerChallenge, authenticatorChallenge: authenticatorChallenge,
            userName: userName)
        let second = try digest(.sha1, first, challenge, authenticatorMagic2)
        return "S=" + second.hexString.uppercased()
    }

    /// RFC 2759 §8.8: compares the received "S=..." with the expected one in
    /// constant time. Lower-case hex digits are accepted.
    public static func checkAuthenticatorResponse(
        received: String, passwordHash: [UInt8], ntResponse: [UInt8], peerChallenge: [UInt8],
        authenticatorChallenge: [UInt8], userName: String
    ) throws(CryptoError) -> Bool {
        let expected = try generateAuthenticatorResponse(
            passwordHash: passwordHash, ntResponse: ntResponse, peerChallenge: peerChallenge,
            authenticatorChallenge: authenticatorChallenge, userName: userName)
        return constantTimeEqual(Array(expected.utf8), Array(received.uppercased().utf8))
    }

    /// RFC 2759 §4: only the name after a "DOMAIN\" prefix enters ChallengeHash.
    public static func strippingDomain(_ userName: String) -> Substring {
        if let slash = userName.lastIndex(of: "\\") {
            return userName[userName.index(after: slash)...]
        }
        return userName[...]
    }
}

/// UTF-16, little-endian, no terminator (RFC 2759's "Unicode" password).
func utf16LittleEndian(_ text: String) -> [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(text.utf16.count * 2)
    for unit in text.utf16 {
        out.append(UInt8(unit & 0xff))
        out.append(UInt8(unit >> 8))
    }
    return out
}

func checkLength(_ what: String, _ bytes: [UInt8], _ expected: Int) throws(CryptoError) {
    guard bytes.count == expected else {
        throw .badLength(what: what, expected: expected, actual: bytes.count)
    }
}

/// Equal lengths and contents, in time independent of where they differ.
public func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
    guard a.count == b.count else { return false }
    var diff: UInt8 = 0
    for i in 0..<a.count { diff |= a[i] ^ b[i] }
    return diff == 0
}

import ByteCoding
