import SSTPCrypto
import Synchronization

/// Where the engines get random bytes (Magic-Numbers, challenges, interface
/// identifiers). Injected so that tests are deterministic.
public protocol PPPRandomSource: Sendable {
    func bytes(_ count: Int) -> [UInt8]
}

/// OpenSSL's CSPRNG (`SSTPCrypto.SystemRandom`). Should OpenSSL ever fail,
/// it falls back to the standard library's system generator rather than
/// trapping.
public struct SystemPPPRandom: PPPRandomSource {
    public init() {}

    public func bytes(_ count: Int) -> [UInt8] {
        let count = max(count, 0)
        if let bytes = try? SystemRandom.bytes(count), bytes.count == count { return bytes }
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }
}

/// A deterministic generator (SplitMix64) for tests and fuzzing: the same
/// seed gives the same bytes.
public final class SeededPPPRandom: PPPRandomSource {
    private let state: Mutex<UInt64>

    public init(seed: UInt64) {
        state = Mutex(seed)
    }

    public func bytes(_ count: Int) -> [UInt8] {
        state.withLock { state in
            var out: [UInt8] = []
            out.reserveCapacity(max(count, 0))
            while out.count < count {
                let word = Self.next(&state)
                for shift in stride(from: 0, to: 64, by: 8) where out.count < count {
                    out.append(UInt8(truncatingIfNeeded: word >> UInt64(shift)))
                }
            }
            return out
        }
    }

    /// SplitMix64 step.
    static func next(_ state: inout UInt64) -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}

extension PPPRandomSource {
    /// A random 32-bit value that is not zero (RFC 1661 §6.4 Magic-Number).
    func nonZeroUInt32() -> UInt32 {
        for _ in 0..<8 {
            let b = bytes(4)
            guard b.count == 4 else { continue }
            let value = UInt32(b[0]) << 24 | UInt32(b[1]) << 16 | UInt32(b[2]) << 8 | UInt32(b[3])
            if value != 0 { return value }
        }
        return 0x5050_5021
    }

    /// `count` random bytes that are not all zero, and differ from every
    /// value in `avoiding` (RFC 5072 §4.1 interface identifiers).
    func nonZeroBytes(_ count: Int, avoiding: [[UInt8]] = []) -> [UInt8] {
        for _ in 0..<8 {
            let b = bytes(count)
            if b.count == count && b.contains(where: { $0 != 0 }) && !avoiding.contains(b) {
                return b
            }
        }
        // A source that keeps repeating itself: derive a distinct value.
        var value = [UInt8](repeating: 0, count: count)
        var n: UInt8 = 1
        repeat {
            if count > 0 { value[count - 1] = n }
            n &+= 1
        } while avoiding.contains(value) && n != 0
        return value
    }
}
