/// MPPE keys derived from MS-CHAPv2 (RFC 3079 §3). SSTP uses the master
/// send and receive keys as its HLAK (MS-SSTP 3.2.5.2.1); the session keys
/// are here for completeness and are checked against RFC 3079 §3.5.
public struct MPPEKeys: Hashable, Sendable {
    /// RFC 3079 §3.4 magic strings.
    static let magic1 = Array("This is the MPPE Master Key".utf8)
    static let magic2 = Array(
        "On the client side, this is the send key; on the server side, it is the receive key.".utf8)
    static let magic3 = Array(
        "On the client side, this is the receive key; on the server side, it is the send key.".utf8)
    static let shsPad1 = [UInt8](repeating: 0x00, count: 40)
    static let shsPad2 = [UInt8](repeating: 0xf2, count: 40)

    public enum Role: Sendable { case client, server }

    /// GetMasterKey (16 bytes).
    public var masterKey: [UInt8]
    /// This side's MasterSendKey (16 bytes).
    public var masterSendKey: [UInt8]
    /// This side's MasterReceiveKey (16 bytes).
    public var masterReceiveKey: [UInt8]

    /// Derives the keys for `role` from the NT password hash and the
    /// NT-Response of the exchange.
    public init(passwordHash: [UInt8], ntResponse: [UInt8], role: Role) throws(CryptoError) {
        let hashHash = try MSCHAPv2.hashNtPasswordHash(passwordHash)
        let master = try Self.masterKey(passwordHashHash: hashHash, ntResponse: ntResponse)
        masterKey = master
        masterSendKey = try Self.asymmetricStartKey(
            masterKey: master, length: 16, isSend: true, isServer: role == .server)
        masterReceiveKey = try Self.asymmetricStartKey(
            masterKey: master, length: 16, isSend: false, isServer: role == .server)
    }

    /// RFC 3079 §3.4 GetMasterKey.
    public static func masterKey(passwordHashHash: [UInt8], ntResponse: [UInt8]) throws(CryptoError)
        -> [UInt8]
    {
        try checkLength("PasswordHashHash", passwordHashHash, 16)
        try checkLength("NT-Response", ntResponse, 24)
        return Array(try digest(.sha1, passwordHashHash, ntResponse, magic1).prefix(16))
    }

    /// RFC 3079 §3.4 GetAsymmetricStartKey: Magic2 for the client's send
    /// (the server's receive) key, Magic3 for the other direction.
    public static func asymmetricStartKey(
        masterKey: [UInt8], length: Int, isSend: Bool, isServer: Bool
    ) throws(CryptoError) -> [UInt8] {
        try checkLength("MasterKey", masterKey, 16)
        let magic = (isSend != isServer) ? magic2 : magic3
        return Array(try digest(.sha1, masterKey, shsPad1, magic, shsPad2).prefix(length))
    }

    /// RFC 3079 §2.4 GetNewKeyFromSHA.
    public static func newKeyFromSHA(startKey: [UInt8], sessionKey: [UInt8], length: Int)
        throws(CryptoError) -> [UInt8]
    {
        let start = Array(startKey.prefix(length))
        let session = Array(sessionKey.prefix(length))
        return Array(try digest(.sha1, start, shsPad1, session, shsPad2).prefix(length))
    }

    /// MPPE key strength.
    public enum Strength: Sendable {
        case bits40, bits56, bits128
        var length: Int {
            switch self {
            case .bits40, .bits56: 8
            case .bits128: 16
            }
        }
    }

    /// RFC 3079 §2.4 / §3.5: the initial session key from a start key; 40
    /// and 56 bit keys get their fixed salt bytes (0xD1 0x26 0x9E / 0xD1).
    public static func initialSessionKey(startKey: [UInt8], strength: Strength) throws(CryptoError)
        -> [UInt8]
    {
        let start = Array(startKey.prefix(strength.length))
        var key = try newKeyFromSHA(startKey: start, sessionKey: start, length: strength.length)
        switch strength {
        case .bits40:
            key[0] = 0xd1
            key[1] = 0x26
            key[2] = 0x9e
        case .bits56:
            key[0] = 0xd1
        case .bits128:
            break
        }
        return key
    }
}
