/// The client's side of one HTTP CONNECT through a web proxy (MS-SSTP 4.5,
/// RFC 9110 §9.3.6) as a value: the request bytes out, the proxy's bytes in
/// (in any split), and either "the tunnel is open, and these bytes came
/// after the response" or a typed failure. No I/O: `ProxyConnectLayer`
/// runs it over a byte transport.
public struct HTTPConnectExchange: Sendable, CustomStringConvertible {
    /// What the bytes fed so far amount to.
    public enum Outcome: Equatable, Sendable {
        /// The response head is not complete yet.
        case needMore
        /// A 2xx: the tunnel is open. `leftover` are the bytes that followed
        /// the head: already the tunnel's (the server's first TLS bytes),
        /// for the next layer.
        case established(leftover: [UInt8])
    }

    /// Why the tunnel did not open.
    public enum Failure: Error, Hashable, Sendable, CustomStringConvertible {
        /// A final status other than 2xx (407/401 with or without
        /// credentials sent, or any other).
        case refused(HTTPConnect.Refusal)
        /// The response is not valid HTTP/1.x (RFC 9112), or its head is
        /// larger than the limit.
        case malformed(HTTPParseError)
        /// The proxy ended the stream before a whole response head.
        case closedEarly(received: Int)

        public var description: String {
            switch self {
            case .refused(let refusal): "\(refusal)"
            case .malformed(let error): "\(error)"
            case .closedEarly(let n): "the proxy closed the connection after \(n) bytes of its answer"
            }
        }
    }

    /// The CONNECT request; it carries the proxy password when credentials
    /// were given: write it, never log it.
    public let request: [UInt8]
    private let credentialsSent: Bool
    private let maxHeadLength: Int
    private var parser: HTTPResponseParser
    private var received = 0
    private var finished = false

    /// An exchange for a tunnel to `host:port`; `maxHeadLength` bounds each
    /// response head (RFC 9112 §2.3 leaves the limit to the recipient).
    public init(
        host: String, port: Int, basicCredentials: (user: String, password: String)?, maxHeadLength: Int = 8192
    ) {
        request = HTTPConnect.request(host: host, port: port, basicCredentials: basicCredentials)
        credentialsSent = basicCredentials != nil
        self.maxHeadLength = maxHeadLength
        parser = HTTPResponseParser(maxHeadLength: maxHeadLength)
    }

    /// Feeds bytes read from the proxy. After `.established` or a failure
    /// the exchange is over and ignores further bytes (callers stop feeding).
    public mutating func receive(_ bytes: some Collection<UInt8>) throws(Failure) -> Outcome {
        guard !finished else { return .needMore }
        received &+= bytes.count
        var rest = Array(bytes)
        while true {
            let parsed: (head: HTTPResponseHead, consumed: Int)?
            do {
                parsed = try parser.feed(rest)
            } catch {
                finished = true
                throw .malformed(error)
            }
            guard let (head, consumed) = parsed else { return .needMore }
            rest.removeFirst(min(consumed, rest.count))
            // RFC 9110 §15.2: a client parses and skips 1xx (interim)
            // responses before the final one; 101 (Switching Protocols)
            // would end HTTP on this connection, so it counts as final.
            if (100...199).contains(head.status), head.status != 101 {
                parser = HTTPResponseParser(maxHeadLength: maxHeadLength)
                continue
            }
            finished = true
            // RFC 9110 §9.3.6: any 2xx opens the tunnel; the bytes after
            // the head are the tunnel's (a 2xx to CONNECT has no body, and
            // Content-Length or Transfer-Encoding in it are ignored).
            if let refusal = HTTPConnect.check(response: head, credentialsSent: credentialsSent) {
                throw .refused(refusal)
            }
            return .established(leftover: rest)
        }
    }

    /// Never shows the request (it may hold the proxy password).
    public var description: String {
        "HTTP CONNECT exchange (\(request.count) request bytes, \(received) answer bytes\(finished ? ", over" : ""))"
    }

    /// The proxy ended the stream (a read saw the end): before the final
    /// head that is a failure (RFC 9112 §8: an incomplete message).
    public mutating func receiveEnd() -> Failure {
        finished = true
        return .closedEarly(received: received)
    }
}
