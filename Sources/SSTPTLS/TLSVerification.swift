/// How the client's connection checked the server's certificate.
public enum TLSVerification: Hashable, Sendable {
    /// Chain, validity, serverAuth purpose and host name checked (and the
    /// pins, when any were given).
    case verified
    /// `insecureSkipVerify`: only the pins (if any) were enforced.
    /// `wouldHaveFailed` is what verification found (nil: it would have
    /// passed).
    case skipped(wouldHaveFailed: TLSError?)
}
