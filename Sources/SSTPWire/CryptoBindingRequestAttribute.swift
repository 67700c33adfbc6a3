import ByteCoding

/// The Hash Protocol Bitmask of MS-SSTP 2.2.6.
public struct HashProtocolBitmask: OptionSet, Hashable, Sendable {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let sha1 = HashProtocolBitmask(rawValue: 0x01)
    public static let sha256 = HashProtocolBitmask(rawValue: 0x02)
}

/// The one hash a Crypto Binding uses (MS-SSTP 2.2.7).
public enum CertHashProtocol: UInt8, Hashable, Sendable, CustomStringConvertible {
    case sha1 = 0x01
    case sha256 = 0x02

    /// Bytes of the hash and of the HMAC: 20 or 32.
    public var digestLength: Int {
        switch self {
        case .sha1: 20
        case .sha256: 32
        }
    }

    public var description: String {
        switch self {
        case .sha1: "SHA-1"
        case .sha256: "SHA-256"
        }
    }
}

/// SSTP_ATTRIB_CRYPTO_BINDING_REQ (MS-SSTP 2.2.6): length 40, Reserved1(3),
/// Hash Protocol Bitmask(1), Nonce(32).
public struct CryptoBindingRequestAttribute: SSTPAttributeValue {
    public static let attributeID = SSTPAttributeID.cryptoBindingRequest
    public static let length = 40
    public static let nonceLength = 32

    public var hashProtocols: HashProtocolBitmask
    public var nonce: [UInt8]

    /// `nonce` must be 32 bytes; shorter is zero-padded, longer is cut.
    public init(hashProtocols: HashProtocolBitmask, nonce: [UInt8]) {
        self.hashProtocols = hashProtocols
        self.nonce = fixedLength(nonce, Self.nonceLength)
    }

    public init(value: ArraySlice<UInt8>, options: SSTPParseOptions) throws(SSTPWireError) {
        guard value.count == Self.length - sstpAttributeHeaderLength else {
            throw .attributeLengthNotAllowed(
                attributeID: Self.attributeID.rawValue,
                length: value.count + sstpAttributeHeaderLength)
        }
        var reader = ByteReader(value)
        let reserved = reader.readBytes(3) ?? []
        if options.strictReserved, reserved.contains(where: { $0 != 0 }) {
            throw .reservedBitsSet(.valueReserved)
        }
        let bitmask = reader.readUInt8() ?? 0
        // §2.2.6: the server MUST set at least one of the defined bits.
        guard
            bitmask & (HashProtocolBitmask.sha1.rawValue | HashProtocolBitmask.sha256.rawValue)
                != 0
        else { throw .noHashProtocolOffered(bitmask: bitmask) }
        hashProtocols = HashProtocolBitmask(rawValue: bitmask)
        nonce = Array(reader.readRest())
    }

    public func appendValue(to bytes: inout [UInt8]) {
        bytes.append(contentsOf: [0, 0, 0])
        bytes.appendUInt8(hashProtocols.rawValue)
        bytes.append(contentsOf: fixedLength(nonce, Self.nonceLength))
    }

    /// §3.2.5.2: if both are offered the client MUST choose SHA-256.
    public func preferredProtocol(supported: HashProtocolBitmask = [.sha1, .sha256])
        -> CertHashProtocol?
    {
        let usable = hashProtocols.intersection(supported)
        if usable.contains(.sha256) { return .sha256 }
        if usable.contains(.sha1) { return .sha1 }
        return nil
    }
}

/// Pads with zeros or cuts to `length` bytes.
func fixedLength(_ bytes: [UInt8], _ length: Int) -> [UInt8] {
    if bytes.count == length { return bytes }
    if bytes.count > length { return Array(bytes.prefix(length)) }
    return bytes + [UInt8](repeating: 0, count: length - bytes.count)
}
