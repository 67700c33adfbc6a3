/// What an SSTP state machine asks the I/O layer to do.
public enum SSTPAction: Hashable, Sendable {
    /// Write these bytes (one whole SSTP control packet) to the TLS stream.
    case send([UInt8])
    case setTimer(SSTPTimer, deadline: Duration)
    case cancelTimer(SSTPTimer)
    /// Lower-Layer-Up for PPP (§3.2.5.3.2, §3.3.5.2.1): start LCP.
    case startPPP
    /// The call is connected (§3.2.5.2, §3.3.5.2.3): PPP data frames may
    /// flow from now on.
    case callConnected
    /// The call is over: close TLS and TCP, tell PPP Lower-Layer-Down.
    case close(SSTPCloseReason)
    /// A line for the log (never a secret).
    case log(String)
}
