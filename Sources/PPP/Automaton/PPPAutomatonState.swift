/// The ten states of the option negotiation automaton (RFC 1661 §4.2).
public enum PPPAutomatonState: Int, Hashable, Sendable, CustomStringConvertible {
    case initial = 0
    case starting = 1
    case closed = 2
    case stopped = 3
    case closing = 4
    case stopping = 5
    case requestSent = 6
    case ackReceived = 7
    case ackSent = 8
    case opened = 9

    /// §4.6: the Restart timer runs only while a Configure-Request or
    /// Terminate-Request waits for its answer.
    var runsRestartTimer: Bool {
        switch self {
        case .closing, .stopping, .requestSent, .ackReceived, .ackSent: true
        default: false
        }
    }

    public var description: String {
        switch self {
        case .initial: "Initial"
        case .starting: "Starting"
        case .closed: "Closed"
        case .stopped: "Stopped"
        case .closing: "Closing"
        case .stopping: "Stopping"
        case .requestSent: "Req-Sent"
        case .ackReceived: "Ack-Rcvd"
        case .ackSent: "Ack-Sent"
        case .opened: "Opened"
        }
    }
}
