public import Logging
import Glibc

/// The thin facade the executables log through: a swift-log Logger with
/// the StandardErrorLogHandler. `write` keeps the older call sites working:
/// their "error: " and "warning: " prefixes give the level.
public struct Log: Sendable {
    public let logger: Logger

    /// `identifier` prefixes lines ("sstp-service[pid]: ") unless standard
    /// error is the journal; nil prints bare lines (the sstp command).
    public init(identifier: String?, environment: String? = Log.journalStreamVariable) {
        let journal = JournalStream.isJournal(fd: 2, environment: environment)
        logger = Logger(label: identifier ?? "sstp") { _ in
            StandardErrorLogHandler(identifier: identifier, journal: journal)
        }
    }

    /// JOURNAL_STREAM from the environment.
    public static var journalStreamVariable: String? {
        getenv("JOURNAL_STREAM").map { String(cString: $0) }
    }

    public func error(_ line: String) { logger.error("\(line)") }
    public func warning(_ line: String) { logger.warning("\(line)") }
    public func notice(_ line: String) { logger.notice("\(line)") }
    public func info(_ line: String) { logger.info("\(line)") }
    public func debug(_ line: String) { logger.debug("\(line)") }

    /// A line whose own prefix says its level: "error: ..." is an error,
    /// "warning: ..." a warning (also after a "connection N: " label),
    /// anything else information.
    public func write(_ line: String) {
        logger.log(level: Self.level(of: line), "\(line)")
    }

    public static func level(of line: String) -> Logger.Level {
        if line.hasPrefix("error:") || line.contains(": error: ") { return .error }
        if line.hasPrefix("warning:") || line.contains(": warning: ") { return .warning }
        return .info
    }
}
