import CSSTPPlatform
import Glibc

/// A route as the kernel reports it for a destination (RTM_GETROUTE).
public struct RouteLookup: Hashable, Sendable {
    /// Next hop (4 or 16 bytes), nil when the destination is on-link.
    public var gateway: [UInt8]?
    public var interfaceIndex: Int32
    public var preferredSource: [UInt8]?

    public init(gateway: [UInt8]?, interfaceIndex: Int32, preferredSource: [UInt8]?) {
        self.gateway = gateway
        self.interfaceIndex = interfaceIndex
        self.preferredSource = preferredSource
    }
}

/// rtnetlink (RFC 3549, linux/rtnetlink.h) for the few changes a VPN client
/// makes: addresses on its TUN, routes, and the route lookup that finds the
/// old gateway to the server. Addresses are network-order bytes (4 or 16).
/// Netlink headers are host byte order.
public final class RouteNetlink {
    /// The rtnetlink protocol (rtm_protocol, "proto" in `ip route`) of every
    /// route we add, so that ours are recognisable: 243, from the range
    /// linux/rtnetlink.h leaves unassigned (values above RTPROT_EIGRP, 192)
    /// and not in iproute2's rt_protos. `ip route show proto 243` lists
    /// them; a name file in /etc/iproute2/rt_protos.d ("243 sstp") would
    /// let `ip` print "proto sstp". Deletions name it too, so they match
    /// only routes of ours (the kernel compares rtm_protocol when it is not
    /// 0).
    public static let protocolNumber: UInt8 = 243

    private let fd: Int32
    private var sequence: UInt32 = 1

    public init() throws(SystemError) {
        let fd = socket(AF_NETLINK, Int32(SOCK_RAW.rawValue) | Int32(SOCK_CLOEXEC.rawValue), NETLINK_ROUTE)
        guard fd >= 0 else { throw SystemError("socket(AF_NETLINK)") }
        var address = sockaddr_nl()
        address.nl_family = sa_family_t(AF_NETLINK)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_nl>.size))
            }
        }
        guard bound == 0 else {
            let error = SystemError("bind(AF_NETLINK)")
            close(fd)
            throw error
        }
        self.fd = fd
    }

    deinit {
        close(fd)
    }

    static func family(of address: [UInt8]) -> UInt8 {
        address.count == 16 ? UInt8(AF_INET6) : UInt8(AF_INET)
    }

    /// RTM_NEWADDR: `local` on the interface, with `peer` as the far end of
    /// a point-to-point link (IFA_ADDRESS) when given.
    public func addAddress(interface: Int32, local: [UInt8], prefixLength: Int, peer: [UInt8]? = nil)
        throws(SystemError)
    {
        var body = ifaddrmsgBytes(
            family: Self.family(of: local), prefixLength: UInt8(prefixLength), index: interface)
        appendAttribute(&body, type: UInt16(c(IFA_LOCAL)), local)
        appendAttribute(&body, type: UInt16(c(IFA_ADDRESS)), peer ?? local)
        try request(
            type: UInt16(c(RTM_NEWADDR)), flags: UInt16(NLM_F_CREATE | NLM_F_EXCL), body: body,
            what: "add address")
    }

    /// RTM_DELADDR: the address `addAddress` added.
    public func removeAddress(interface: Int32, local: [UInt8], prefixLength: Int, peer: [UInt8]? = nil)
        throws(SystemError)
    {
        var body = ifaddrmsgBytes(
            family: Self.family(of: local), prefixLength: UInt8(prefixLength), index: interface)
        appendAttribute(&body, type: UInt16(c(IFA_LOCAL)), local)
        appendAttribute(&body, type: UInt16(c(IFA_ADDRESS)), peer ?? local)
        try request(type: UInt16(c(RTM_DELADDR)), flags: 0, body: body, what: "remove address")
    }

    /// RTM_NEWROUTE / RTM_DELROUTE in the main table, with our protocol.
    public func route(
        add: Bool, destination: [UInt8], prefixLength: Int, gateway: [UInt8]? = nil, interface: Int32? = nil,
        metric: UInt32? = nil
    ) throws(SystemError) {
        var body: [UInt8] = []
        body.append(Self.family(of: destination))  // rtm_family
        body.append(UInt8(prefixLength))  // rtm_dst_len
        body.append(0)  // rtm_src_len
        body.append(0)  // rtm_tos
        body.append(UInt8(c(RT_TABLE_MAIN)))  // rtm_table
        body.append(Self.protocolNumber)  // rtm_protocol
        body.append(gateway == nil ? UInt8(c(RT_SCOPE_LINK)) : UInt8(c(RT_SCOPE_UNIVERSE)))
        body.append(add ? UInt8(c(RTN_UNICAST)) : 0)  // rtm_type
        appendUInt32(&body, 0)  // rtm_flags
        if prefixLength > 0 { appendAttribute(&body, type: UInt16(c(RTA_DST)), destination) }
        if let gateway { appendAttribute(&body, type: UInt16(c(RTA_GATEWAY)), gateway) }
        if let interface {
            var v: [UInt8] = []
            appendUInt32(&v, UInt32(bitPattern: interface))
            appendAttribute(&body, type: UInt16(c(RTA_OIF)), v)
        }
        if let metric {
            var v: [UInt8] = []
            appendUInt32(&v, metric)
            appendAttribute(&body, type: UInt16(c(RTA_PRIORITY)), v)
        }
        let flags = add ? UInt16(NLM_F_CREATE | NLM_F_EXCL) : 0
        try request(
            type: add ? UInt16(c(RTM_NEWROUTE)) : UInt16(c(RTM_DELROUTE)), flags: flags, body: body,
            what: add ? "add route" : "delete route")
    }

    /// RTM_GETROUTE: how the kernel would reach `destination` now.
    public func lookup(_ destination: [UInt8]) throws(SystemError) -> RouteLookup {
        var body: [UInt8] = [Self.family(of: destination), UInt8(destination.count * 8), 0, 0, 0, 0, 0, 0]
        appendUInt32(&body, 0)
        appendAttribute(&body, type: UInt16(c(RTA_DST)), destination)
        let replies = try request(type: UInt16(c(RTM_GETROUTE)), flags: 0, body: body, what: "route lookup")
        for reply in replies where reply.type == UInt16(c(RTM_NEWROUTE)) {
            var result = RouteLookup(gateway: nil, interfaceIndex: 0, preferredSource: nil)
            for (type, value) in attributes(reply.body, headerLength: 12) {
                switch Int(type) {
                case Int(c(RTA_GATEWAY)): result.gateway = value
                case Int(c(RTA_PREFSRC)): result.preferredSource = value
                case Int(c(RTA_OIF)) where value.count == 4:
                    result.interfaceIndex = Int32(bitPattern: readUInt32(value, 0))
                default: break
                }
            }
            return result
        }
        throw SystemError("route lookup", errno: ENETUNREACH)
    }

    /// How the main table would reach `destination` if `avoiding` (the
    /// tunnel, whose half-default routes win every kernel lookup) had no
    /// routes: the longest matching unicast route through another
    /// interface, the lowest metric among equals (rtnetlink(7) dump of
    /// RTM_GETROUTE). Policy rules are not consulted. With
    /// `skippingOwnHostRoute`, our own host route to `destination` (the
    /// pinned one) does not count either: the answer is the path a new
    /// pin would take. Nil: none.
    public func lookup(_ destination: [UInt8], avoiding: Int32, skippingOwnHostRoute: Bool = false)
        throws(SystemError) -> RouteLookup?
    {
        var body: [UInt8] = [Self.family(of: destination), 0, 0, 0, 0, 0, 0, 0]
        appendUInt32(&body, 0)
        let replies = try request(
            type: UInt16(c(RTM_GETROUTE)), flags: UInt16(NLM_F_DUMP), body: body, what: "route dump")
        var best: (prefix: Int, metric: UInt32, route: RouteLookup)?
        for reply in replies where reply.type == UInt16(c(RTM_NEWROUTE)) && reply.body.count >= 12 {
            let prefix = Int(reply.body[1])
            var table = UInt32(reply.body[4])
            guard reply.body[7] == UInt8(c(RTN_UNICAST)) else { continue }
            if skippingOwnHostRoute, reply.body[5] == Self.protocolNumber, prefix == destination.count * 8 { continue }
            var route = RouteLookup(gateway: nil, interfaceIndex: 0, preferredSource: nil)
            var network: [UInt8] = Array(repeating: 0, count: destination.count)
            var metric: UInt32 = 0
            for (type, value) in attributes(reply.body, headerLength: 12) {
                switch Int(type) {
                case Int(c(RTA_DST)) where value.count == destination.count: network = value
                case Int(c(RTA_GATEWAY)): route.gateway = value
                case Int(c(RTA_PREFSRC)): route.preferredSource = value
                case Int(c(RTA_OIF)) where value.count == 4:
                    route.interfaceIndex = Int32(bitPattern: readUInt32(value, 0))
                case Int(c(RTA_PRIORITY)) where value.count == 4: metric = readUInt32(value, 0)
                case Int(c(RTA_TABLE)) where value.count == 4: table = readUInt32(value, 0)
                default: break
                }
            }
            guard table == UInt32(c(RT_TABLE_MAIN)), route.interfaceIndex != avoiding, route.interfaceIndex != 0,
                Self.matches(destination, network: network, prefixLength: prefix)
            else { continue }
            if let b = best, b.prefix > prefix || (b.prefix == prefix && b.metric <= metric) { continue }
            best = (prefix, metric, route)
        }
        return best?.route
    }

    /// `address` lies in network/prefixLength (same length, prefix in range).
    static func matches(_ address: [UInt8], network: [UInt8], prefixLength: Int) -> Bool {
        guard address.count == network.count, prefixLength >= 0, prefixLength <= address.count * 8 else {
            return false
        }
        for i in 0..<address.count {
            let bits = min(max(prefixLength - i * 8, 0), 8)
            let mask = bits == 0 ? UInt8(0) : UInt8(truncatingIfNeeded: 0xff << (8 - bits))
            if address[i] & mask != network[i] & mask { return false }
        }
        return true
    }

    // MARK: - Messages

    private struct Reply {
        var type: UInt16
        var body: [UInt8]
    }

    /// Sends one request with NLM_F_REQUEST | NLM_F_ACK and collects replies
    /// up to the ACK (or the error, which it throws).
    @discardableResult
    private func request(type: UInt16, flags: UInt16, body: [UInt8], what: String) throws(SystemError) -> [Reply] {
        sequence &+= 1
        var message: [UInt8] = []
        appendUInt32(&message, UInt32(16 + body.count))
        appendUInt16(&message, type)
        appendUInt16(&message, flags | UInt16(NLM_F_REQUEST) | UInt16(NLM_F_ACK))
        appendUInt32(&message, sequence)
        appendUInt32(&message, 0)
        message += body
        let sent = message.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
        guard sent == message.count else { throw SystemError("netlink send (\(what))") }
        var replies: [Reply] = []
        var buffer = [UInt8](repeating: 0, count: 32768)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard n > 0 else { throw SystemError("netlink recv (\(what))") }
            var offset = 0
            while offset + 16 <= n {
                let length = Int(readUInt32(buffer, offset))
                let replyType = UInt16(buffer[offset + 4]) | UInt16(buffer[offset + 5]) << 8
                let replySequence = readUInt32(buffer, offset + 8)
                guard length >= 16, offset + length <= n else { break }
                let replyBody = Array(buffer[(offset + 16)..<(offset + length)])
                offset += (length + 3) & ~3
                guard replySequence == sequence else { continue }
                if replyType == UInt16(NLMSG_ERROR) {
                    let code = replyBody.count >= 4 ? Int32(bitPattern: readUInt32(replyBody, 0)) : -EIO
                    if code == 0 { return replies }
                    throw SystemError(what, errno: -code)
                }
                if replyType == UInt16(NLMSG_DONE) { return replies }
                replies.append(Reply(type: replyType, body: replyBody))
            }
        }
    }

    private func ifaddrmsgBytes(family: UInt8, prefixLength: UInt8, index: Int32) -> [UInt8] {
        var bytes: [UInt8] = [family, prefixLength, 0, UInt8(c(RT_SCOPE_UNIVERSE))]
        appendUInt32(&bytes, UInt32(bitPattern: index))
        return bytes
    }

    private func attributes(_ body: [UInt8], headerLength: Int) -> [(UInt16, [UInt8])] {
        var out: [(UInt16, [UInt8])] = []
        var offset = headerLength
        while offset + 4 <= body.count {
            let length = Int(UInt16(body[offset]) | UInt16(body[offset + 1]) << 8)
            let type = UInt16(body[offset + 2]) | UInt16(body[offset + 3]) << 8
            guard length >= 4, offset + length <= body.count else { break }
            out.append((type, Array(body[(offset + 4)..<(offset + length)])))
            offset += (length + 3) & ~3
        }
        return out
    }

    private func appendAttribute(_ bytes: inout [UInt8], type: UInt16, _ value: [UInt8]) {
        appendUInt16(&bytes, UInt16(4 + value.count))
        appendUInt16(&bytes, type)
        bytes += value
        while bytes.count % 4 != 0 { bytes.append(0) }
    }

    private func appendUInt16(_ bytes: inout [UInt8], _ v: UInt16) {
        bytes.append(UInt8(v & 0xff))
        bytes.append(UInt8(v >> 8))
    }

    private func appendUInt32(_ bytes: inout [UInt8], _ v: UInt32) {
        for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8((v >> UInt32(shift)) & 0xff)) }
    }

    private func readUInt32(_ bytes: [UInt8], _ offset: Int) -> UInt32 {
        UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16
            | UInt32(bytes[offset + 3]) << 24
    }
}

/// Linux constants arrive in Swift as enum cases or as plain integers,
/// depending on how the header declares them; these read either as Int.
@inline(__always) func c<T: BinaryInteger>(_ value: T) -> Int { Int(value) }
@inline(__always) func c<T: RawRepresentable>(_ value: T) -> Int where T.RawValue: BinaryInteger {
    Int(value.rawValue)
}
