import SSTPCrypto

/// The keyed checks of RADIUS: the Response Authenticator (RFC 2865 §3),
/// Message-Authenticator (RFC 3579 §3.2) and User-Password hiding (RFC 2865
/// §5.2). All over the wire bytes, as the RFCs define them.
public enum RADIUSAuthentication {
    static func md5(_ parts: [UInt8]...) throws(RADIUSError) -> [UInt8] {
        do throws(CryptoError) {
            return try digest(.md5, parts: parts)
        } catch {
            throw .crypto(error.description)
        }
    }

    static func hmacMD5(key: [UInt8], data: [UInt8]) throws(RADIUSError) -> [UInt8] {
        do throws(CryptoError) {
            return try hmac(.md5, key: key, data: data)
        } catch {
            throw .crypto(error.description)
        }
    }

    /// Offsets of the values of every Message-Authenticator in `wire` (a
    /// whole packet, already parsed once, so its attributes are well formed).
    static func messageAuthenticatorOffsets(_ wire: [UInt8]) -> [Int] {
        var offsets: [Int] = []
        var i = RADIUSPacket.headerLength
        while i + 1 < wire.count {
            let length = Int(wire[i + 1])
            guard length >= 2 else { break }
            if wire[i] == RADIUSAttributeType.messageAuthenticator { offsets.append(i + 2) }
            i += length
        }
        return offsets
    }

    /// HMAC-MD5 keyed with the secret over the packet with `authenticator`
    /// in the Authenticator field and the Message-Authenticator zeroed
    /// (RFC 3579 §3.2).
    static func messageAuthenticator(wire: [UInt8], at offset: Int, authenticator: [UInt8], secret: [UInt8])
        throws(RADIUSError) -> [UInt8]
    {
        var copy = wire
        copy.replaceSubrange(4..<20, with: authenticator)
        copy.replaceSubrange(offset..<(offset + 16), with: [UInt8](repeating: 0, count: 16))
        return try hmacMD5(key: secret, data: copy)
    }

    /// Serializes a request with a Message-Authenticator (added when
    /// missing, RFC 3579 §3.3: required with EAP-Message) computed over the
    /// packet with its own Request Authenticator.
    public static func signRequest(_ packet: RADIUSPacket, secret: [UInt8]) throws(RADIUSError) -> [UInt8] {
        try sign(packet, keyedAuthenticator: packet.authenticator, secret: secret, response: false)
    }

    /// Serializes a response (Access-Accept/Reject/Challenge): the
    /// Message-Authenticator over the packet with the request's
    /// Authenticator, then the Response Authenticator MD5(Code | Identifier
    /// | Length | Request Authenticator | Attributes | Secret) (RFC 2865 §3,
    /// RFC 3579 §3.2).
    public static func signResponse(_ packet: RADIUSPacket, requestAuthenticator: [UInt8], secret: [UInt8])
        throws(RADIUSError) -> [UInt8]
    {
        try sign(packet, keyedAuthenticator: requestAuthenticator, secret: secret, response: true)
    }

    static func sign(_ packet: RADIUSPacket, keyedAuthenticator: [UInt8], secret: [UInt8], response: Bool)
        throws(RADIUSError) -> [UInt8]
    {
        var packet = packet
        packet.attributes.removeAll { $0.type == RADIUSAttributeType.messageAuthenticator }
        packet.attributes.append(
            RADIUSAttribute(type: RADIUSAttributeType.messageAuthenticator, value: [UInt8](repeating: 0, count: 16)))
        var wire = try packet.serialized()
        guard let offset = messageAuthenticatorOffsets(wire).first else { return wire }
        let mac = try messageAuthenticator(
            wire: wire, at: offset, authenticator: keyedAuthenticator, secret: secret)
        wire.replaceSubrange(offset..<(offset + 16), with: mac)
        if response {
            var input = Array(wire[0..<4]) + keyedAuthenticator
            input += wire[20...]
            wire.replaceSubrange(4..<20, with: try md5(input, secret))
        }
        return wire
    }

    /// Parses a response to the request whose Authenticator is
    /// `requestAuthenticator`, checking the Response Authenticator (RFC 2865
    /// §3) and the Message-Authenticator (RFC 3579 §3.2; required when
    /// EAP-Message is present, §3.3).
    public static func verifyResponse(
        _ bytes: ArraySlice<UInt8>, requestAuthenticator: [UInt8], secret: [UInt8]
    ) throws(RADIUSError) -> RADIUSPacket {
        let packet = try RADIUSPacket(parsing: bytes)
        let wire = Array(bytes.prefix(Int(bytes[bytes.startIndex + 2]) << 8 | Int(bytes[bytes.startIndex + 3])))
        var input = Array(wire[0..<4]) + requestAuthenticator
        input += wire[20...]
        let expected = try md5(input, secret)
        guard constantTimeEqual(expected, Array(wire[4..<20])) else { throw .responseAuthenticatorMismatch }
        try checkMessageAuthenticator(packet, wire: wire, authenticator: requestAuthenticator, secret: secret)
        return packet
    }

    /// Parses a request and checks its Message-Authenticator (server side).
    public static func verifyRequest(_ bytes: ArraySlice<UInt8>, secret: [UInt8]) throws(RADIUSError)
        -> RADIUSPacket
    {
        let packet = try RADIUSPacket(parsing: bytes)
        let wire = Array(bytes.prefix(Int(bytes[bytes.startIndex + 2]) << 8 | Int(bytes[bytes.startIndex + 3])))
        try checkMessageAuthenticator(packet, wire: wire, authenticator: packet.authenticator, secret: secret)
        return packet
    }

    static func checkMessageAuthenticator(
        _ packet: RADIUSPacket, wire: [UInt8], authenticator: [UInt8], secret: [UInt8]
    ) throws(RADIUSError) {
        let values = packet.values(of: RADIUSAttributeType.messageAuthenticator)
        guard values.count <= 1 else { throw .duplicateMessageAuthenticator }
        guard let value = values.first else {
            if packet.first(RADIUSAttributeType.eapMessage) != nil { throw .missingMessageAuthenticator }
            return
        }
        guard value.count == 16 else { throw .badMessageAuthenticatorLength(value.count) }
        guard let offset = messageAuthenticatorOffsets(wire).first else { throw .missingMessageAuthenticator }
        let expected = try messageAuthenticator(wire: wire, at: offset, authenticator: authenticator, secret: secret)
        guard constantTimeEqual(expected, value) else { throw .messageAuthenticatorMismatch }
    }

    /// User-Password hiding (RFC 2865 §5.2): the password padded with zeros
    /// to a multiple of 16, c(1) = p(1) xor MD5(S + RA), c(i) = p(i) xor
    /// MD5(S + c(i-1)).
    public static func hidePassword(_ password: [UInt8], secret: [UInt8], requestAuthenticator: [UInt8])
        throws(RADIUSError) -> [UInt8]
    {
        var padded = Array(password.prefix(128))
        let blocks = max(1, (padded.count + 15) / 16)
        padded += [UInt8](repeating: 0, count: blocks * 16 - padded.count)
        return try md5Chain(padded, secret: secret, first: requestAuthenticator, decrypt: false)
    }

    /// The reverse of `hidePassword`, trailing zero padding removed.
    public static func revealPassword(_ hidden: [UInt8], secret: [UInt8], requestAuthenticator: [UInt8])
        throws(RADIUSError) -> [UInt8]
    {
        guard !hidden.isEmpty, hidden.count % 16 == 0, hidden.count <= 128 else {
            throw .badAttributeLength(
                type: RADIUSAttributeType.userPassword, length: hidden.count + 2, remaining: hidden.count)
        }
        var plain = try md5Chain(hidden, secret: secret, first: requestAuthenticator, decrypt: true)
        while plain.last == 0 { plain.removeLast() }
        return plain
    }

    /// The MD5 stream of RFC 2865 §5.2 and RFC 2548 §2.4.2: block i is
    /// xor'd with MD5(secret + previous ciphertext block), the first with
    /// MD5(secret + `first`).
    static func md5Chain(_ input: [UInt8], secret: [UInt8], first: [UInt8], decrypt: Bool) throws(RADIUSError)
        -> [UInt8]
    {
        var out: [UInt8] = []
        out.reserveCapacity(input.count)
        var previous = first
        var i = 0
        while i < input.count {
            let block = Array(input[i..<min(i + 16, input.count)])
            let key = try md5(secret, previous)
            let mixed = zip(block, key).map { $0 ^ $1 }
            out += mixed
            previous = decrypt ? block : mixed
            i += 16
        }
        return out
    }
}
