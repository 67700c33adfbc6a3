public import SSTPWire

/// Why an SSTP call ended; every case reads as an error message that says
/// what happened and, where it helps, what to do.
public enum SSTPCloseReason: Hashable, Sendable, CustomStringConvertible {
    /// We asked to disconnect and the call ended normally.
    case disconnectedLocally
    /// The peer sent CALL_DISCONNECT.
    case disconnectedByPeer
    /// The peer sent CALL_ABORT, with its Status Info if any (§2.2.13).
    case abortedByPeer(StatusInfoAttribute?)
    /// We aborted: what was wrong, and the Status Info we sent.
    case abortedLocally(String, StatusInfoAttribute?)
    /// The server refused CALL_CONNECT_REQUEST too often (§3.2.5.3).
    case connectRefused([StatusInfoAttribute])
    /// A negotiation step did not finish in time (§3.2.2.1).
    case negotiationTimeout(String)
    /// Nothing arrived for two hello intervals (§3.1.2).
    case peerNotResponding
    /// The TLS/TCP connection ended under us (§3.1.7.2).
    case transportClosed(String)
    /// The byte stream could not be split into packets (§3.1.5.1).
    case delineationFailed(SSTPWireError)
    /// The server's check of our crypto binding failed; it aborted.
    case cryptoBindingRejected(StatusInfoAttribute?)

    public var description: String {
        switch self {
        case .disconnectedLocally:
            return "disconnected"
        case .disconnectedByPeer:
            return "the peer ended the SSTP call (CALL_DISCONNECT)"
        case .abortedByPeer(let info):
            guard let info else { return "the peer aborted the SSTP call without a status" }
            return "the peer aborted the SSTP call: \(info.status.specName) (\(info.status.explanation)) "
                + "about \(SSTPAttributeID.name(of: info.attribID))"
        case .abortedLocally(let why, _):
            return "SSTP call aborted: \(why)"
        case .connectRefused(let infos):
            let statuses = infos.map { "\($0.status.specName) about \(SSTPAttributeID.name(of: $0.attribID))" }
            return "the server refused the SSTP call (CALL_CONNECT_NAK: \(statuses.joined(separator: ", ")))"
        case .negotiationTimeout(let step):
            return "SSTP negotiation timed out waiting for \(step)"
        case .peerNotResponding:
            return "the peer stopped answering (no SSTP traffic and no reply to ECHO_REQUEST)"
        case .transportClosed(let detail):
            return "the connection to the peer closed: \(detail)"
        case .delineationFailed(let error):
            return "the peer sent bytes that are not SSTP: \(error)"
        case .cryptoBindingRejected(let info):
            let status = info.map { " (\($0.status.specName))" } ?? ""
            return "the server rejected our crypto binding\(status): the PPP keys or the certificate it "
                + "hashed differ from the server's; a TLS-inspecting proxy in the path causes this"
        }
    }
}
