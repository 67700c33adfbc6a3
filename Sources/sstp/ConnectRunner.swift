import Glibc
import SSTPLog
import SSTPPlatform
import PPPDBackend
import SSTPTLS
import SSTPTunnel

/// Runs one connection on an event loop and prints its phases: one line per
/// phase on standard error, then one line with the interface, addresses
/// and DNS on standard output once the tunnel is up.
struct ConnectRunner {
    let options: ClientOptions
    let verbose: Bool

    func run() -> Int32 {
        // The TLS context (SSL_CTX and trust store) is made on another core
        // while the loop starts and TCP connects; joined before exit.
        TLSClientContextCache.shared.prefetch(options.tls)
        defer { TLSClientContextCache.shared.waitForPrefetches() }
        let loop: EventLoop
        let signals: SignalWatcher
        do {
            loop = try EventLoop()
            signals = try SignalWatcher()
        } catch {
            Output.failure("cannot start: \(error)")
            return 6
        }
        var exitCode: Int32 = 0
        var done = false
        let verbose = self.verbose
        let tunnel = ClientTunnel(options: options, loop: loop, backend: PPPBackendChoice.factory(for: options)) {
            event in
            switch event {
            case .phase(let phase, let detail):
                Output.error("[\(phase.rawValue)] \(detail)")
            case .phaseDone(let phase, let detail):
                Output.error("[\(phase.rawValue)] \(detail)")
            case .log(let line):
                if verbose { Output.error("  \(line)") }
            case .warning(let line):
                Output.error("warning: \(line)")
            case .up(let status):
                Output.line("connected: \(status.summary)")
            case .ipv6Up(let status):
                Output.line("IPv6 up: \(status.summary)")
            case .reconnecting(let reconnect):
                Output.error(reconnect.line)
            case .down(let failure):
                if let failure {
                    Output.error("error: \(failure)")
                    exitCode = failure.exitCode
                } else {
                    Output.error("disconnected")
                }
                done = true
                loop.stop()
            }
        }
        do {
            try loop.add(fd: signals.fd, events: .readable) { _ in
                for signal in signals.drain() {
                    Output.error(
                        "signal \(signal == SIGINT ? "SIGINT" : signal == SIGTERM ? "SIGTERM" : "\(signal)"): disconnecting"
                    )
                    tunnel.disconnect()
                }
            }
        } catch {
            Output.failure("cannot watch signals: \(error)")
            return 6
        }
        tunnel.start()
        while !done {
            do {
                try loop.runOnce()
            } catch {
                Output.failure("event loop failed: \(error)")
                tunnel.disconnect()
                return 6
            }
        }
        return exitCode
    }
}

/// Standard error goes through SSTPLog (syslog priorities when it is the
/// journal); `error` takes the level from the line's "error: " or
/// "warning: " prefix, `failure` is always an error.
enum Output {
    static let log = Log(identifier: nil)

    static func error(_ line: String) { log.write(line) }

    static func failure(_ line: String) { log.error(line) }

    static func line(_ line: String) {
        let text = line + "\n"
        _ = text.withCString { write(1, $0, strlen($0)) }
    }
}
