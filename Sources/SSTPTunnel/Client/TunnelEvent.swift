public import PPP
import SSTPCall

/// The connection's progress, for the `sstp` command's phase lines and the
/// D-Bus service's state.
public enum TunnelPhase: String, Sendable, CaseIterable {
    case resolving = "DNS"
    case tcp = "TCP"
    case proxy = "proxy"
    case tls = "TLS"
    case http = "HTTP"
    case sstp = "SSTP"
    case lcp = "PPP LCP"
    case authentication = "PPP authentication"
    case network = "IPCP/IPv6CP"
}

/// What the tunnel reports while it runs.
public enum TunnelEvent: Sendable {
    /// A phase began (detail: what it is doing).
    case phase(TunnelPhase, String)
    /// A phase finished (detail: its outcome).
    case phaseDone(TunnelPhase, String)
    case log(String)
    case warning(String)
    /// The tunnel carries IPv4 (and IPv6, when `ipv6` is set).
    case up(TunnelStatus)
    /// IPv6CP came up after IPv4.
    case ipv6Up(TunnelStatus)
    /// The call ended and another starts after a wait (issue 14): the
    /// interface, its addresses, routes and DNS stay; traffic into it is
    /// dropped meanwhile. A later `.up` reports the tunnel back (with the
    /// new addresses, when they changed).
    case reconnecting(TunnelReconnect)
    /// The end: nil after a requested disconnect.
    case down(TunnelFailure?)
}

/// A reconnect about to start: which attempt, after how long, and why the
/// last call or attempt ended.
public struct TunnelReconnect: Sendable {
    public var attempt: Int
    public var delay: Duration
    public var reason: String

    public init(attempt: Int, delay: Duration, reason: String) {
        self.attempt = attempt
        self.delay = delay
        self.reason = reason
    }

    /// "reconnecting (attempt N, next in T s): why" (ReconnectPolicy.progressLine).
    public var line: String { ReconnectPolicy.progressLine(attempt: attempt, delay: delay, why: reason) }
}

/// The tunnel's configuration once up.
public struct TunnelStatus: Sendable {
    public var interfaceName: String
    public var interfaceIndex: Int32
    public var mtu: Int
    public var ipv4: IPv4Configuration?
    public var ipv6: IPv6Configuration?
    /// The address the outer TCP connection goes to: the server, or the
    /// proxy when there is one (the gateway NetworkManager pins a host
    /// route to, so that the tunnel's own connection stays off the tunnel).
    public var serverAddress: [UInt8]
    public var authenticationMethod: PPPAuthenticationMethod?
    public var tlsVersion: String?
    public var tlsCipher: String?

    /// "sstp0 192.168.30.10 -> 1.0.0.1, DNS 192.168.30.1, IPv6 fe80::...".
    public var summary: String {
        var parts = [interfaceName]
        if let v4 = ipv4 {
            parts.append("\(v4.local)" + (v4.peer.map { " peer \($0)" } ?? ""))
            if !v4.dns.isEmpty { parts.append("DNS \(v4.dns.map(\.description).joined(separator: " "))") }
        }
        if let v6 = ipv6 {
            parts.append("IPv6 \(TunnelStatus.linkLocal(v6.localInterfaceIdentifier))")
        }
        parts.append("MTU \(mtu)")
        return parts.joined(separator: ", ")
    }

    /// fe80::/64 with the interface identifier (RFC 5072 §4.1).
    public static func linkLocalBytes(_ identifier: [UInt8]) -> [UInt8] {
        [0xfe, 0x80, 0, 0, 0, 0, 0, 0] + identifier.prefix(8)
    }

    public static func linkLocal(_ identifier: [UInt8]) -> String {
        let bytes = linkLocalBytes(identifier)
        var groups: [String] = []
        for i in stride(from: 8, to: 16, by: 2) {
            groups.append(String(UInt16(bytes[i]) << 8 | UInt16(bytes[i + 1]), radix: 16))
        }
        return "fe80::" + groups.joined(separator: ":")
    }
}
