/// When to connect again after a call ended (issue 14): a pure value the
/// client driver consults each time a call or an attempt ends. It keeps
/// the count of attempts since the last session that stayed up, and answers
/// stop or retry-after-a-delay.
///
/// The delay is an exponential back-off with "equal jitter": attempt n
/// waits between half and all of min(maximumDelay, firstDelay x 2^(n-1)),
/// so the first try comes within `firstDelay` (1 s) and no wait exceeds
/// `maximumDelay` (60 s), while many clients cut off by one server restart
/// spread their attempts. The random fraction comes from the generator
/// the caller passes (the system's in the driver, a fixed one in tests).
public struct ReconnectPolicy: Hashable, Sendable {
    public struct Settings: Hashable, Sendable {
        /// Reconnect at all (the `reconnect` option).
        public var enabled: Bool
        /// Attempts in a row before giving up; 0: no limit (`reconnect-limit`).
        public var limit: Int
        /// The longest wait before the first attempt.
        public var firstDelay: Duration = .seconds(1)
        /// The longest wait before any attempt.
        public var maximumDelay: Duration = .seconds(60)
        /// A session up at least this long counts as a success: the next
        /// loss starts the back-off from the first attempt again.
        public var stableAfter: Duration = .seconds(60)

        public init(enabled: Bool, limit: Int = 0) {
            self.enabled = enabled
            self.limit = max(limit, 0)
        }
    }

    public let settings: Settings
    /// Attempts made since the last session that stayed up.
    public private(set) var attempts = 0

    public init(settings: Settings) {
        self.settings = settings
    }

    /// What to do after a call (or an attempt) ended with `cause`.
    /// `sessionLasted`: how long the session was established (IPCP or
    /// IPv6CP up), nil when this attempt never got that far.
    public mutating func decide(
        after cause: ReconnectCause, sessionLasted: Duration?, using random: inout some RandomNumberGenerator
    ) -> ReconnectDecision {
        if cause.isFinal { return .stop(.final(cause)) }
        guard settings.enabled else { return .stop(.disabled) }
        if let sessionLasted, sessionLasted >= settings.stableAfter { attempts = 0 }
        if settings.limit > 0, attempts >= settings.limit { return .stop(.limitReached(attempts: attempts)) }
        attempts += 1
        // A new path may work now: no back-off for it.
        if cause == .pathChanged { return .retry(attempt: attempts, after: .zero) }
        return .retry(attempt: attempts, after: delay(forAttempt: attempts, random: random.next()))
    }

    /// The wait before attempt `attempt` (1 for the first) with the jitter
    /// drawn as `random` (the whole UInt64 range maps onto [0, 1)).
    public func delay(forAttempt attempt: Int, random: UInt64) -> Duration {
        let first = Self.milliseconds(settings.firstDelay)
        let cap = max(Self.milliseconds(settings.maximumDelay), 1)
        var ceiling = max(first, 1)
        // Doubling stops at the cap, so no attempt count overflows.
        var n = 1
        while n < attempt, ceiling < cap {
            ceiling = ceiling > cap / 2 ? cap : ceiling * 2
            n += 1
        }
        ceiling = min(ceiling, cap)
        let half = ceiling / 2
        // 53 bits of the draw as a fraction of the other half.
        let fraction = Double(random >> 11) * 0x1p-53
        let jitter = Int64((Double(ceiling - half) * fraction).rounded(.down))
        return .milliseconds(half + jitter)
    }

    /// The line the command line prints before waiting.
    public static func progressLine(attempt: Int, delay: Duration, why: String) -> String {
        "reconnecting (attempt \(attempt), next in \(seconds(delay)) s): \(why)"
    }

    /// Seconds with one decimal ("0.7", "12.0"), rounded to the nearest tenth.
    static func seconds(_ d: Duration) -> String {
        let tenths = (milliseconds(d) + 50) / 100
        return "\(tenths / 10).\(tenths % 10)"
    }

    static func milliseconds(_ d: Duration) -> Int64 {
        let (seconds, attoseconds) = d.components
        if seconds < 0 { return 0 }
        if seconds > Int64.max / 2000 { return Int64.max / 2 }
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}

/// The answer of `ReconnectPolicy.decide`.
public enum ReconnectDecision: Hashable, Sendable {
    /// Start attempt `attempt` once `after` has passed; meanwhile the
    /// interface, its addresses, routes and DNS stay, and traffic into the
    /// tunnel is dropped.
    case retry(attempt: Int, after: Duration)
    /// End for good, with the exit status of the failure that ended the
    /// last call.
    case stop(ReconnectStop)
}

public enum ReconnectStop: Hashable, Sendable, CustomStringConvertible {
    /// The failure is final (`ReconnectCause.isFinal`).
    case final(ReconnectCause)
    /// Reconnecting is off.
    case disabled
    /// `reconnect-limit` attempts in a row failed.
    case limitReached(attempts: Int)

    public var description: String {
        switch self {
        case .final(.requested): "disconnected"
        case .final: "not reconnecting: trying again would fail the same way"
        case .disabled: "not reconnecting (reconnect is off)"
        case .limitReached(let n): "giving up after \(n) reconnect attempt\(n == 1 ? "" : "s") (reconnect-limit)"
        }
    }
}
