/// How the kernel's route to the server changed between two lookups
/// (issue 14): the outer connection runs over the old path, so when the
/// way out changes (another interface, another next hop, another source
/// address) or disappears, the old transport is stale and a new one should
/// start at once instead of waiting for a timeout. Pure: the two lookups
/// are given.
public enum ServerRouteChange: Hashable, Sendable, CustomStringConvertible {
    /// There was a route and now there is none (the interface went down).
    case lost
    /// There was none and now there is one.
    case appeared(RouteLookup)
    /// The route leaves by another interface, through another next hop or
    /// from another source address.
    case moved(from: RouteLookup, to: RouteLookup)

    /// The change from `old` to `new`, nil when the path is the same. Only
    /// what decides the path counts: the output interface, the gateway and
    /// the preferred source address (a new address on the same Wi-Fi
    /// interface, behind a gateway with the same address, is a new path
    /// too: the connection's source address is gone). A lookup that gives
    /// no preferred source matches any.
    public static func between(_ old: RouteLookup?, _ new: RouteLookup?) -> ServerRouteChange? {
        switch (old, new) {
        case (nil, nil): return nil
        case (.some, nil): return .lost
        case (nil, .some(let new)): return .appeared(new)
        case (.some(let old), .some(let new)):
            let samePath = old.interfaceIndex == new.interfaceIndex && old.gateway == new.gateway
            var sameSource = true
            if let a = old.preferredSource, let b = new.preferredSource { sameSource = a == b }
            return samePath && sameSource ? nil : .moved(from: old, to: new)
        }
    }

    public var description: String {
        switch self {
        case .lost: "the route to the server is gone"
        case .appeared(let r): "a route to the server appeared (\(Self.describe(r)))"
        case .moved(let a, let b): "the route to the server changed (\(Self.describe(a)) -> \(Self.describe(b)))"
        }
    }

    static func describe(_ r: RouteLookup) -> String {
        var parts: [String] = []
        if let g = r.gateway { parts.append("via \(address(g))") }
        parts.append("interface \(r.interfaceIndex)")
        if let s = r.preferredSource { parts.append("src \(address(s))") }
        return parts.joined(separator: " ")
    }

    static func address(_ bytes: [UInt8]) -> String {
        if bytes.count == 4 { return bytes.map(String.init).joined(separator: ".") }
        var groups: [String] = []
        var i = 0
        while i + 1 < bytes.count {
            groups.append(String(UInt16(bytes[i]) << 8 | UInt16(bytes[i + 1]), radix: 16))
            i += 2
        }
        return groups.joined(separator: ":")
    }
}
