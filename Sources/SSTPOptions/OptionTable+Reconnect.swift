import SSTPTunnel

extension OptionTable {
    /// Staying connected (issue 14). `reconnect` has no vpn.data key:
    /// NetworkManager says it with the connection's own `vpn.persistent`,
    /// which the plugin maps onto it (NMVPNSettings.clientOptions).
    static let reconnection: [OptionSpec] = [
        OptionSpec(
            "reconnect", cli: .flag("reconnect"), config: "reconnect", dbus: .init("reconnect", "b"), kind: .bool,
            default: "no",
            help: "Connect again after the session is lost (exponential back-off up to 60 s); never after an "
                + "authentication, certificate or crypto-binding failure.",
            apply: { t, v throws(OptionError) in
                let on = v == .bool(true)
                t.client { $0.reconnect = on }
            }),
        OptionSpec(
            "reconnect-limit", cli: .option("reconnect-limit"), config: "reconnect-limit",
            dbus: .init("reconnect-limit", "u"), kind: .uint(0...1_000_000), default: "0", valueName: "COUNT",
            help: "With reconnect, give up after this many failed attempts in a row (0: never give up).",
            apply: { t, v throws(OptionError) in
                if case .number(let n) = v { t.client { $0.reconnectLimit = n } }
            }),
        OptionSpec(
            "tcp-user-timeout", cli: .option("tcp-user-timeout"), config: "tcp-user-timeout",
            dbus: .init("tcp-user-timeout", "u"), kind: .uint(0...3600), default: "15", valueName: "SECONDS",
            help: "End the connection when data sent to the server stays unacknowledged this many seconds "
                + "(TCP_USER_TIMEOUT; 0: the kernel's retransmission limits).",
            apply: { t, v throws(OptionError) in
                if case .number(let n) = v { t.client { $0.tcpUserTimeout = n == 0 ? nil : .seconds(n) } }
            }),
    ]
}
