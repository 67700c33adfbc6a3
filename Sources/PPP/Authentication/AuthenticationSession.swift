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
    /// Pass-through (RFC 3748 §2.3): this EAP Response (Code onward) goes
    /// to the authentication server; its answer comes back through
    /// `backendAnswered`.
    case toBackend([UInt8])
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
    /// The authentication server answered a `.toBackend` Response.
    mutating func backendAnswered(_ answer: EAPBackendAnswer, now: Duration) -> [AuthenticationOutput]
}

extension AuthenticationSession {
    mutating func retransmitTimerExpired(now: Duration) -> [AuthenticationOutput] { [] }

    mutating func backendAnswered(_ answer: EAPBackendAnswer, now: Duration) -> [AuthenticationOutput] {
        [.log("ignored an authentication server's answer: this method runs no pass-through")]
    }
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
