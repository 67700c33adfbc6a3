/// MS-MPPE-Send-Key and MS-MPPE-Recv-Key (RFC 2548 §2.4.2, §2.4.3): Vendor-
/// Specific attributes (Type 26, Vendor-Id 311) whose data is
///
///     Salt (2 octets, leftmost bit set) | String
///
/// String encrypts P = Key-Length (1) | Key | zero padding to a multiple of
/// 16: b(1) = MD5(S + R + A), c(1) = p(1) xor b(1), b(i) = MD5(S + c(i-1)),
/// with S the shared secret, R the Request Authenticator of the
/// Access-Request and A the Salt.
public enum RADIUSMPPEKey {
    public static let microsoftVendorID: UInt32 = 311
    public static let sendKeyType: UInt8 = 16
    public static let recvKeyType: UInt8 = 17

    /// The vendor sub-attributes of every Microsoft Vendor-Specific
    /// attribute (RFC 2865 §5.26: Vendor-Id, then Vendor-Type, Vendor-Length,
    /// data, as RFC 2548 §2 lays them out), malformed ones skipped.
    public static func microsoftAttributes(of packet: RADIUSPacket) -> [(type: UInt8, data: [UInt8])] {
        var out: [(type: UInt8, data: [UInt8])] = []
        for value in packet.values(of: RADIUSAttributeType.vendorSpecific) where value.count >= 6 {
            let vendor = UInt32(value[0]) << 24 | UInt32(value[1]) << 16 | UInt32(value[2]) << 8 | UInt32(value[3])
            guard vendor == microsoftVendorID else { continue }
            var i = 4
            while i + 2 <= value.count {
                let length = Int(value[i + 1])
                guard length >= 2, i + length <= value.count else { break }
                out.append((value[i], Array(value[(i + 2)..<(i + length)])))
                i += length
            }
        }
        return out
    }

    /// Decrypts one key attribute's data (Salt | String).
    public static func decrypt(_ data: [UInt8], secret: [UInt8], requestAuthenticator: [UInt8])
        throws(RADIUSError) -> [UInt8]
    {
        guard data.count >= 2 + 16, (data.count - 2) % 16 == 0 else {
            throw .malformedMPPEKey(reason: "\(data.count) bytes, not a salt and whole 16-byte blocks")
        }
        // RFC 2548 §2.4.2: "The most significant bit (leftmost) of the Salt field MUST be set (1)."
        guard data[0] & 0x80 != 0 else { throw .malformedMPPEKey(reason: "salt without its high bit") }
        let salt = Array(data[0..<2])
        let plain = try RADIUSAuthentication.md5Chain(
            Array(data[2...]), secret: secret, first: requestAuthenticator + salt, decrypt: true)
        let keyLength = Int(plain[0])
        guard keyLength <= plain.count - 1 else {
            throw .malformedMPPEKey(reason: "Key-Length \(keyLength) beyond the \(plain.count - 1) bytes")
        }
        return Array(plain[1..<(1 + keyLength)])
    }

    /// Encrypts a key (the RADIUS server's side, for tests and fakes).
    public static func encrypt(_ key: [UInt8], salt: [UInt8], secret: [UInt8], requestAuthenticator: [UInt8])
        throws(RADIUSError) -> [UInt8]
    {
        guard salt.count == 2, salt[0] & 0x80 != 0, key.count <= 254 else {
            throw .malformedMPPEKey(reason: "salt must be 2 bytes with the high bit set, key at most 254 bytes")
        }
        var plain = [UInt8(key.count)] + key
        plain += [UInt8](repeating: 0, count: (16 - plain.count % 16) % 16)
        return salt
            + (try RADIUSAuthentication.md5Chain(
                plain, secret: secret, first: requestAuthenticator + salt, decrypt: false))
    }

    /// A Microsoft Vendor-Specific attribute holding one sub-attribute.
    public static func vendorAttribute(type: UInt8, data: [UInt8]) -> RADIUSAttribute {
        var value: [UInt8] = []
        value.appendUInt32(microsoftVendorID)
        value += [type, UInt8(truncatingIfNeeded: data.count + 2)] + data
        return RADIUSAttribute(type: RADIUSAttributeType.vendorSpecific, value: value)
    }

    /// The MSK a RADIUS server handed over in Access-Accept: MS-MPPE-Recv-Key
    /// | MS-MPPE-Send-Key (the authenticator's keys; RFC 5216 §2.3's first
    /// 32 bytes are the authenticator's receive key), both decrypted. Nil
    /// when either attribute is absent.
    public static func masterSessionKey(
        from accept: RADIUSPacket, secret: [UInt8], requestAuthenticator: [UInt8]
    ) throws(RADIUSError) -> (recvKey: [UInt8], sendKey: [UInt8])? {
        let attributes = microsoftAttributes(of: accept)
        guard let recv = attributes.first(where: { $0.type == recvKeyType }),
            let send = attributes.first(where: { $0.type == sendKeyType })
        else { return nil }
        return (
            try decrypt(recv.data, secret: secret, requestAuthenticator: requestAuthenticator),
            try decrypt(send.data, secret: secret, requestAuthenticator: requestAuthenticator)
        )
    }
}
