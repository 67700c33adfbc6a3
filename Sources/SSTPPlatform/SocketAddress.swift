import CSSTPPlatform
import Glibc

/// An IPv4 or IPv6 address and port.
public struct SocketAddress: Hashable, Sendable, CustomStringConvertible {
    /// 4 or 16 bytes, network order.
    public var address: [UInt8]
    public var port: UInt16

    public init(address: [UInt8], port: UInt16) {
        self.address = address
        self.port = port
    }

    public var isIPv6: Bool { address.count == 16 }

    /// The address alone, as text ("10.99.0.1", "2001:db8::1").
    public var host: String { Self.text(address) }

    public var description: String { isIPv6 ? "[\(host)]:\(port)" : "\(host):\(port)" }

    public static func text(_ address: [UInt8]) -> String {
        var buffer = [CChar](repeating: 0, count: 64)
        let family = address.count == 16 ? AF_INET6 : AF_INET
        _ = address.withUnsafeBytes { inet_ntop(family, $0.baseAddress, &buffer, socklen_t(buffer.count)) }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Parses a numeric IPv4 or IPv6 address; nil for names.
    public static func parseNumeric(_ text: String) -> [UInt8]? {
        var v4 = [UInt8](repeating: 0, count: 4)
        if inet_pton(AF_INET, text, &v4) == 1 { return v4 }
        var v6 = [UInt8](repeating: 0, count: 16)
        if inet_pton(AF_INET6, text, &v6) == 1 { return v6 }
        return nil
    }

    /// getaddrinfo for TCP; numeric hosts skip the resolver. Blocking: on
    /// an event loop, use AsyncResolver.
    public static func resolve(host: String, port: UInt16) throws(SystemError) -> [SocketAddress] {
        if let numeric = parseNumeric(host) { return [SocketAddress(address: numeric, port: port)] }
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_family = AF_UNSPEC
        var result: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &result)
        guard rc == 0 else {
            throw SystemError("getaddrinfo", errno: EHOSTUNREACH, detail: String(cString: gai_strerror(rc)))
        }
        defer { freeaddrinfo(result) }
        var out: [SocketAddress] = []
        var cursor = result
        while let info = cursor {
            if let sa = info.pointee.ai_addr {
                if info.pointee.ai_family == AF_INET {
                    sa.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { sin in
                        var a = sin.pointee.sin_addr
                        let bytes = withUnsafeBytes(of: &a) { Array($0) }
                        out.append(SocketAddress(address: bytes, port: port))
                    }
                } else if info.pointee.ai_family == AF_INET6 {
                    sa.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { sin6 in
                        var a = sin6.pointee.sin6_addr
                        let bytes = withUnsafeBytes(of: &a) { Array($0) }
                        out.append(SocketAddress(address: bytes, port: port))
                    }
                }
            }
            cursor = info.pointee.ai_next
        }
        var seen: Set<SocketAddress> = []
        return out.filter { seen.insert($0).inserted }
    }

    /// Calls `body` with this address as a sockaddr.
    func withSockaddr<R>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R {
        if isIPv6 {
            var sin6 = sockaddr_in6()
            sin6.sin6_family = sa_family_t(AF_INET6)
            sin6.sin6_port = port.bigEndian
            withUnsafeMutableBytes(of: &sin6.sin6_addr) { $0.copyBytes(from: address) }
            return withUnsafePointer(to: &sin6) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    body($0, socklen_t(MemoryLayout<sockaddr_in6>.size))
                }
            }
        }
        var sin = sockaddr_in()
        sin.sin_family = sa_family_t(AF_INET)
        sin.sin_port = port.bigEndian
        withUnsafeMutableBytes(of: &sin.sin_addr) { $0.copyBytes(from: address) }
        return withUnsafePointer(to: &sin) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
    }
}
