/// The 16-bit Frame Check Sequence of RFC 1662 §C.2 (CRC-CCITT, bit
/// reversed polynomial 0x8408, initial value 0xffff).
public enum HDLCFrameCheckSequence {
    /// RFC 1662 §C.2 PPPINITFCS16.
    public static let initial: UInt16 = 0xffff
    /// RFC 1662 §C.2 PPPGOODFCS16: the FCS run over a frame and its own
    /// transmitted FCS always ends at this value.
    public static let good: UInt16 = 0xf0b8

    /// RFC 1662 §C.2 fcstab, generated from the polynomial.
    static let table: [UInt16] = (0..<256).map { byte in
        var value = UInt16(byte)
        for _ in 0..<8 {
            value = value & 1 == 1 ? (value >> 1) ^ 0x8408 : value >> 1
        }
        return value
    }

    /// RFC 1662 §C.2 pppfcs16: folds `bytes` into `fcs`.
    public static func update(_ fcs: UInt16, with bytes: some Sequence<UInt8>) -> UInt16 {
        var fcs = fcs
        for byte in bytes { fcs = update(fcs, byte) }
        return fcs
    }

    @inline(__always)
    static func update(_ fcs: UInt16, _ byte: UInt8) -> UInt16 {
        (fcs >> 8) ^ table[Int((fcs ^ UInt16(byte)) & 0xff)]
    }

    /// The two FCS bytes to transmit after `frame`: the ones' complement,
    /// least significant byte first (RFC 1662 §C.2 tryfcs16).
    public static func transmitted(for frame: some Sequence<UInt8>) -> [UInt8] {
        let fcs = ~update(initial, with: frame)
        return [UInt8(fcs & 0xff), UInt8(fcs >> 8)]
    }
}
