import ByteCoding

/// SSTP_ATTRIB_CRYPTO_BINDING (MS-SSTP 2.2.7): length 104, Reserved1(3),
/// Hash Protocol(1), Nonce(32), Cert Hash(32), Compound MAC(32). SHA-1
/// values take 20 bytes and are padded with 12 zero bytes.
public struct CryptoBindingAttribute: SSTPAttributeValue {
    public static let attributeID = SSTPAttributeID.cryptoBinding
    public static let length = 104
    public static let fieldLength = 32

    public var hashProtocol: CertHashProtocol
    public var nonce: [UInt8]
    /// The certificate hash without padding (20 or 32 bytes).
    public var certHash: [UInt8]
    /// The Compound MAC without padding (20 or 32 bytes).
    public var compoundMAC: [UInt8]

    public init(
        hashProtocol: CertHashProtocol, nonce: [UInt8], certHash: [UInt8], compoundMAC: [UInt8]
    ) {
        self.hashProtocol = hashProtocol
        self.nonce = fixedLength(nonce, Self.fieldLength)
        self.certHash = fixedLength(certHash, hashProtocol.digestLength)
        self.compoundMAC = fixedLength(compoundMAC, hashProtocol.digestLength)
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
        let rawProtocol = reader.readUInt8() ?? 0
        // §2.2.7: exactly one of SHA1 (1) or SHA256 (2).
        guard let proto = CertHashProtocol(rawValue: rawProtocol) else {
            throw .invalidHashProtocol(rawProtocol)
        }
        hashProtocol = proto
        nonce = Array(reader.readBytes(Self.fieldLength) ?? [])
        let hashField = reader.readBytes(Self.fieldLength) ?? []
        let macField = reader.readBytes(Self.fieldLength) ?? []
        let used = proto.digestLength
        // §2.2.7: a SHA-1 value is followed by 12 bytes of zero padding.
        guard hashField.dropFirst(used).allSatisfy({ $0 == 0 }) else {
            throw .nonZeroPadding(field: .certHash)
        }
        guard macField.dropFirst(used).allSatisfy({ $0 == 0 }) else {
            throw .nonZeroPadding(field: .compoundMAC)
        }
        certHash = Array(hashField.prefix(used))
        compoundMAC = Array(macField.prefix(used))
    }

    public func appendValue(to bytes: inout [UInt8]) {
        bytes.append(contentsOf: [0, 0, 0])
        bytes.appendUInt8(hashProtocol.rawValue)
        bytes.append(contentsOf: fixedLength(nonce, Self.fieldLength))
        bytes.append(contentsOf: fixedLength(certHash, Self.fieldLength))
        bytes.append(contentsOf: fixedLength(compoundMAC, Self.fieldLength))
    }
}
