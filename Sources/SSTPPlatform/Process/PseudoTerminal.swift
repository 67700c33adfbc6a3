import CSSTPPlatform
import Glibc

/// A pseudo-terminal pair (pty(7)) for a child that speaks a serial line:
/// the master end, raw from the start (no echo, no line editing) and
/// non-blocking, stays with us; the slave's path is for the child to open
/// as its terminal. The owner closes `master`.
public struct PseudoTerminal: Sendable {
    public let master: Int32
    /// /dev/pts/N.
    public let slavePath: String

    /// posix_openpt, grantpt, unlockpt, ptsname_r; the master set raw
    /// (cfmakeraw) so that nothing written to it comes back before the child
    /// sets the line up.
    public static func open() throws(SystemError) -> PseudoTerminal {
        var slave = [CChar](repeating: 0, count: 128)
        let master = csstp_openpty(&slave, slave.count)
        guard master >= 0 else { throw SystemError("openpty") }
        let path = String(decoding: slave.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return PseudoTerminal(master: master, slavePath: path)
    }
}
