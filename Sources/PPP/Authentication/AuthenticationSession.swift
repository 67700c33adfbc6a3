/// What an authentication exchange asks of the engine.
enum AuthenticationOutput: Hashable, Sendable {
    /// A packet of the session's protocol (Code onward).
    case send([UInt8])
    /// (Re)start the retransmission timer with this deadline.
    case setTimer(Duration)
    case cancelTimer
    case succeeded(PPPAuthenticationResult)
    case failed(PPPFailure)
    case log(String)
}

/// One side of one authentication protocol during the Authenticate phase
/// (RFC 1661 §3.5). Pure, like the engines.
protocol AuthenticationSession: Sendable {
    var protocolNumber: UInt16 { get }
    /// The Authenticate phase begins.
    mutating func start(now: Duration) -> [AuthenticationOutput]
    /// A packet of `protocolNumber` arrived.
    mutating func receive(_ packet: PPPControlPacket, now: Duration) -> [AuthenticationOutput]
    /// The retransmission timer expired.
    mutating func retransmitTimerExpired(now: Duration) -> [AuthenticationOutput]
}

extension AuthenticationSession {
    mutating func retransmitTimerExpired(now: Duration) -> [AuthenticationOutput] { [] }
}

/// A crypto library failure, as a link failure.
func cryptoFailure(_ error: some Error) -> PPPFailure {
    .cryptoUnavailable(String(describing: error))
}

/// Printable text from a peer's message bytes, for logs and failure
/// reasons: control characters replaced, cut to a sane length.
func printable(_ bytes: some Collection<UInt8>) -> String {
    let text = String(decoding: bytes.prefix(200), as: UTF8.self)
    return String(
        text.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7f ? "?" : Character($0) })
}
