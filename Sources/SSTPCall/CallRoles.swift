public import PPP
public import SSTPCrypto
public import SSTPSession
public import SSTPWire

/// What a call needs of an SSTP session, client (MS-SSTP 3.2) or server
/// (3.3): both state machines have this surface.
public protocol SSTPCallSession: Sendable {
    var dataFramesAllowed: Bool { get }
    mutating func noteReceived(now: Duration)
    mutating func start(now: Duration) -> [SSTPAction]
    mutating func receivedControlPacket(_ bytes: [UInt8], now: Duration) -> [SSTPAction]
    mutating func pppAuthenticated(hlak: HigherLayerAuthenticationKey, now: Duration) -> [SSTPAction]
    mutating func pppFinished(now: Duration) -> [SSTPAction]
    mutating func disconnect(now: Duration) -> [SSTPAction]
    mutating func transportClosed(_ detail: String) -> [SSTPAction]
    mutating func delineationFailed(_ error: SSTPWireError) -> [SSTPAction]
    mutating func timerExpired(_ timer: SSTPTimer, now: Duration) -> [SSTPAction]
}

extension SSTPClientSession: SSTPCallSession {}
extension SSTPServerSession: SSTPCallSession {}

/// What a call needs of a built-in PPP engine: `PPPClient` and `PPPServer`.
public protocol PPPCallEngine: Sendable {
    mutating func handle(_ event: PPPEvent, now: Duration) -> [PPPAction]
    var phase: PPPPhase { get }
    var isFinished: Bool { get }
}

extension PPPClient: PPPCallEngine {}
extension PPPServer: PPPCallEngine {}
