/// How the client's connection checked the server's certificate.
public enum TLSVerification: Hashable, Sendable {
    /// Chain, validity, serverAuth purpose and host name checked (and the
    /// pins, when any were given).
    case verified
    /// A pin matched the server's certificate or key: that alone decided
    /// (`--pin`), chain and host name were not required to pass.
    /// `chainFailure` is what the chain and name check found (nil: it
    /// passed too).
    case pinned(chainFailure: TLSError?)
    /// `insecureSkipVerify`: only the pins (if any) were enforced.
    /// `wouldHaveFailed` is what verification found (nil: it would have
    /// passed).
    case skipped(wouldHaveFailed: TLSError?)
}
