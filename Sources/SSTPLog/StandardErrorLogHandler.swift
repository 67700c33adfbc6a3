public import Logging
import Glibc

/// A swift-log handler writing one line per message to standard error. When
/// standard error is the journal, each line starts with its syslog priority
/// as sd-daemon(3) describes ("<3>" for errors), so `journalctl -p err`
/// finds failures; journald then adds the identifier and PID itself.
/// Otherwise lines carry the "identifier[pid]: " prefix when one is set.
public struct StandardErrorLogHandler: LogHandler {
    public var logLevel: Logger.Level = .debug
    public var metadata: Logger.Metadata = [:]
    let identifier: String?
    let journal: Bool

    public init(identifier: String?, journal: Bool) {
        self.identifier = identifier
        self.journal = journal
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var text = event.message.description
        let merged = metadata.merging(event.metadata ?? [:]) { _, new in new }
        if !merged.isEmpty {
            text += " " + merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        }
        let bytes = Array(format(text, level: event.level).utf8)
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count, let base = raw.baseAddress {
                let n = Glibc.write(2, base + offset, raw.count - offset)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { return }
                offset += n
            }
        }
    }

    /// The bytes written for one message: every line of it prefixed (the
    /// journal splits on newlines), ending in a newline.
    public func format(_ text: String, level: Logger.Level) -> String {
        let prefix: String
        if journal {
            prefix = "<\(Self.syslogPriority(level))>"
        } else if let identifier {
            prefix = "\(identifier)[\(getpid())]: "
        } else {
            prefix = ""
        }
        return text.split(separator: "\n", omittingEmptySubsequences: false).map { prefix + $0 + "\n" }.joined()
    }

    /// syslog(3) priorities: LOG_CRIT 2, LOG_ERR 3, LOG_WARNING 4,
    /// LOG_NOTICE 5, LOG_INFO 6, LOG_DEBUG 7.
    public static func syslogPriority(_ level: Logger.Level) -> Int {
        switch level {
        case .critical: 2
        case .error: 3
        case .warning: 4
        case .notice: 5
        case .info: 6
        case .debug, .trace: 7
        }
    }
}
