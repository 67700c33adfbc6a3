import ByteCoding

/// One route a client added outside its TUN (the host route to the server
/// through the physical interface), as written in its claim file.
public struct RouteClaim: Hashable, Sendable {
    public var destination: [UInt8]
    public var prefixLength: Int
    public var gateway: [UInt8]?
    public var interface: Int32

    public init(destination: [UInt8], prefixLength: Int, gateway: [UInt8]?, interface: Int32) {
        self.destination = destination
        self.prefixLength = prefixLength
        self.gateway = gateway
        self.interface = interface
    }

    var text: String {
        "\(SocketAddress.text(destination))/\(prefixLength)"
    }
}

/// A claim file: which process (PID and start time, so a reused PID does not
/// count as the owner) in which network namespace added which routes.
///
///     pid 1234
///     start 5678901
///     netns 4026532570
///     route 0a630001 32 - 5
///
/// A route line is destination, prefix length, gateway ("-": on-link) in
/// hex, and the output interface index.
public struct RouteClaimFile: Hashable, Sendable {
    public enum ParseError: Error, Hashable, Sendable {
        case malformedLine(Int)
        case missing(String)
    }

    public var pid: Int32
    public var startTime: UInt64
    public var namespace: UInt64
    public var routes: [RouteClaim] = []

    public init(pid: Int32, startTime: UInt64, namespace: UInt64, routes: [RouteClaim] = []) {
        self.pid = pid
        self.startTime = startTime
        self.namespace = namespace
        self.routes = routes
    }

    public var text: String {
        var out = "pid \(pid)\nstart \(startTime)\nnetns \(namespace)\n"
        for route in routes {
            out +=
                "route \(route.destination.hexString) \(route.prefixLength) \(route.gateway?.hexString ?? "-") \(route.interface)\n"
        }
        return out
    }

    public init(parsing text: String) throws(ParseError) {
        var pid: Int32?
        var startTime: UInt64?
        var namespace: UInt64?
        var routes: [RouteClaim] = []
        for (number, line) in text.split(separator: "\n").enumerated() {
            let fields = line.split(separator: " ")
            guard let key = fields.first else { continue }
            switch (key, fields.count) {
            case ("pid", 2):
                guard let value = Int32(fields[1]), value > 0 else { throw .malformedLine(number + 1) }
                pid = value
            case ("start", 2):
                guard let value = UInt64(fields[1]) else { throw .malformedLine(number + 1) }
                startTime = value
            case ("netns", 2):
                guard let value = UInt64(fields[1]) else { throw .malformedLine(number + 1) }
                namespace = value
            case ("route", 5):
                guard let destination = [UInt8](hex: String(fields[1])),
                    destination.count == 4 || destination.count == 16,
                    let prefix = Int(fields[2]), (0...destination.count * 8).contains(prefix),
                    let interface = Int32(fields[4]), interface >= 0
                else { throw .malformedLine(number + 1) }
                var gateway: [UInt8]?
                if fields[3] != "-" {
                    guard let g = [UInt8](hex: String(fields[3])), g.count == destination.count else {
                        throw .malformedLine(number + 1)
                    }
                    gateway = g
                }
                routes.append(
                    RouteClaim(destination: destination, prefixLength: prefix, gateway: gateway, interface: interface))
            default:
                throw .malformedLine(number + 1)
            }
        }
        guard let pid else { throw .missing("pid") }
        guard let startTime else { throw .missing("start") }
        guard let namespace else { throw .missing("netns") }
        self.init(pid: pid, startTime: startTime, namespace: namespace, routes: routes)
    }
}
