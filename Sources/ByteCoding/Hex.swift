/// Hex helpers for logs and tests.
extension Sequence where Element == UInt8 {
    public var hexString: String {
        var out = ""
        for byte in self {
            let digits: [Character] = [
                "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "a", "b", "c", "d", "e", "f",
            ]
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return out
    }
}

extension Array where Element == UInt8 {
    /// Parses hex, ignoring spaces and newlines; `nil` on any other
    /// character or an odd digit count.
    public init?(hex: String) {
        var out: [UInt8] = []
        var high: UInt8? = nil
        for scalar in hex.unicodeScalars {
            let nibble: UInt8
            switch scalar {
            case "0"..."9": nibble = UInt8(scalar.value - 48)
            case "a"..."f": nibble = UInt8(scalar.value - 87)
            case "A"..."F": nibble = UInt8(scalar.value - 55)
            case " ", "\n", "\t", "\r": continue
            default: return nil
            }
            if let h = high {
                out.append(h << 4 | nibble)
                high = nil
            } else {
                high = nibble
            }
        }
        guard high == nil else { return nil }
        self = out
    }
}
