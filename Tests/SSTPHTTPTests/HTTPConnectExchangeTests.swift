import ByteCoding
import Testing

@testable import SSTPHTTP

/// The proxy CONNECT exchange as a value (RFC 9110 §9.3.6, MS-SSTP 4.5),
/// fed whole, one byte at a time and in random pieces: every split gives
/// the same outcome.
@Suite struct HTTPConnectExchangeTests {
    enum Split: CustomStringConvertible, CaseIterable {
        case whole, oneByte, random
        var description: String {
            switch self {
            case .whole: "whole"
            case .oneByte: "one byte at a time"
            case .random: "random pieces"
            }
        }
    }

    typealias Fed = (
        result: Result<HTTPConnectExchange.Outcome, HTTPConnectExchange.Failure>?, exchange: HTTPConnectExchange,
        end: Int
    )

    /// Feeds `bytes` cut as `split`: the first outcome that is not
    /// `.needMore`, or the failure, or nil if the bytes ran out; the
    /// exchange (for more), and where the piece that decided it ended.
    static func feed(_ bytes: [UInt8], _ split: Split, credentials: Bool = false, seed: UInt64 = 7) -> Fed {
        var exchange = HTTPConnectExchange(
            host: "vpn.example.com", port: 443, basicCredentials: credentials ? ("user", "pw") : nil)
        var random = SplitMix(seed)
        var offset = 0
        while offset < bytes.count {
            let size: Int
            switch split {
            case .whole: size = bytes.count
            case .oneByte: size = 1
            case .random: size = 1 + Int(random.next() % 23)
            }
            let end = min(bytes.count, offset + size)
            do {
                let outcome = try exchange.receive(bytes[offset..<end])
                if outcome != .needMore { return (.success(outcome), exchange, end) }
            } catch {
                return (.failure(error), exchange, end)
            }
            offset = end
        }
        return (nil, exchange, bytes.count)
    }

    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    @Test func requestIsTheConnectRequest() {
        let exchange = HTTPConnectExchange(host: "vpn.example.com", port: 443, basicCredentials: ("u", "p"))
        #expect(
            exchange.request == HTTPConnect.request(host: "vpn.example.com", port: 443, basicCredentials: ("u", "p")))
    }

    @Test func descriptionHidesTheCredentials() {
        let exchange = HTTPConnectExchange(host: "h", port: 443, basicCredentials: ("alice", "proxy-secret"))
        let token = Base64.encode(Array("alice:proxy-secret".utf8))
        #expect(String(decoding: exchange.request, as: UTF8.self).contains(token))
        for text in ["\(exchange)", String(reflecting: exchange)] {
            #expect(!text.contains(token))
            #expect(!text.contains("proxy-secret"))
        }
    }

    @Test(arguments: Split.allCases)
    func okOpensTheTunnelAndKeepsWhatFollows(_ split: Split) {
        // A TLS record header's first bytes after the head belong to TLS.
        let tail: [UInt8] = [0x16, 0x03, 0x03, 0x00, 0x2a, 0x0d, 0x0a]
        let answer = Self.bytes("HTTP/1.1 200 Connection established\r\nProxy-Agent: test\r\n\r\n") + tail
        let (result, _, end) = Self.feed(answer, split)
        guard case .success(.established(let leftover)) = result else {
            Issue.record("not established: \(String(describing: result))")
            return
        }
        // The head ends inside one piece: what that piece held after it is
        // the leftover, and the pieces not fed yet follow it.
        #expect(leftover + answer[end...] == tail)
        if split == .whole { #expect(leftover == tail) }
    }

    @Test(arguments: Split.allCases)
    func anyTwoHundredOpensIt(_ split: Split) {
        // RFC 9110 §9.3.6: any 2xx; Content-Length in it is ignored.
        let (result, _, _) = Self.feed(Self.bytes("HTTP/1.0 204 OK\r\nContent-Length: 10\r\n\r\n"), split)
        #expect(result == .success(.established(leftover: [])))
    }

    @Test(arguments: Split.allCases)
    func interimResponsesAreSkipped(_ split: Split) {
        // RFC 9110 §15.2: 1xx before the final answer.
        let answer = Self.bytes("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n\r\n")
        let (result, _, _) = Self.feed(answer, split)
        #expect(result == .success(.established(leftover: [])))
    }

    @Test(arguments: Split.allCases)
    func switchingProtocolsIsARefusal(_ split: Split) {
        let (result, _, _) = Self.feed(Self.bytes("HTTP/1.1 101 Switching Protocols\r\n\r\n"), split)
        #expect(result == .failure(.refused(.status(101, reason: "Switching Protocols"))))
    }

    @Test(arguments: Split.allCases)
    func proxyAuthenticationWithoutCredentials(_ split: Split) {
        let answer = Self.bytes(
            "HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"p\"\r\n"
                + "Proxy-Authenticate: Negotiate\r\nContent-Length: 0\r\n\r\n")
        let (result, _, _) = Self.feed(answer, split)
        let refusal = HTTPConnect.Refusal.authenticationRequired(
            status: 407, schemes: ["Basic", "Negotiate"], credentialsSent: false)
        #expect(result == .failure(.refused(refusal)))
        #expect("\(refusal)".contains("the proxy requires authentication (HTTP 407)"))
    }

    @Test(arguments: Split.allCases)
    func proxyAuthenticationWithWrongCredentials(_ split: Split) {
        // tinyproxy answers wrong credentials with 401.
        let (result, _, _) = Self.feed(Self.bytes("HTTP/1.0 401 Unauthorized\r\n\r\n"), split, credentials: true)
        let refusal = HTTPConnect.Refusal.authenticationRequired(status: 401, schemes: [], credentialsSent: true)
        #expect(result == .failure(.refused(refusal)))
        #expect("\(refusal)".contains("proxy refused the proxy user name or password (HTTP 401)"))
    }

    @Test(arguments: Split.allCases)
    func otherStatusesAreRefusals(_ split: Split) {
        let (forbidden, _, _) = Self.feed(Self.bytes("HTTP/1.1 403 Forbidden\r\n\r\n"), split)
        #expect(forbidden == .failure(.refused(.status(403, reason: "Forbidden"))))
        let (gateway, _, _) = Self.feed(Self.bytes("HTTP/1.1 502 Bad Gateway\r\nContent-Length: 3\r\n\r\nabc"), split)
        #expect(gateway == .failure(.refused(.status(502, reason: "Bad Gateway"))))
    }

    @Test(arguments: Split.allCases)
    func endBeforeTheHeadIsAFailure(_ split: Split) {
        let partial = Self.bytes("HTTP/1.1 200 Connection est")
        let (result, fed, _) = Self.feed(partial, split)
        var exchange = fed
        #expect(result == nil)
        #expect(exchange.receiveEnd() == .closedEarly(received: partial.count))
    }

    @Test func endWithNothingIsAFailure() {
        var exchange = HTTPConnectExchange(host: "h", port: 443, basicCredentials: nil)
        #expect(exchange.receiveEnd() == .closedEarly(received: 0))
    }

    struct Malformed: CustomStringConvertible, Sendable {
        let name: String
        let text: String
        let error: HTTPParseError
        var description: String { name }
    }

    // RFC 9112 §4 (status line), §5 (fields), §2.2 (CRLF only).
    static let malformed: [Malformed] = [
        .init(name: "not HTTP", text: "SSH-2.0-OpenSSH_9.6\r\n\r\n", error: .malformedStatusLine),
        .init(name: "no status code", text: "HTTP/1.1\r\n\r\n", error: .malformedStatusLine),
        .init(name: "two-digit status", text: "HTTP/1.1 20 OK\r\n\r\n", error: .invalidStatusCode),
        .init(name: "HTTP/2", text: "HTTP/2 200\r\n\r\n", error: .unsupportedVersion("HTTP/2")),
        .init(name: "field without colon", text: "HTTP/1.1 200 OK\r\nbroken\r\n\r\n", error: .malformedHeader(line: 2)),
        .init(name: "folded field", text: "HTTP/1.1 200 OK\r\nA: b\r\n c\r\n\r\n", error: .malformedHeader(line: 3)),
        .init(name: "bare LF", text: "HTTP/1.1 200 OK\nA: b\r\n\r\n", error: .invalidCharacter(offset: 15)),
    ]

    @Test(arguments: malformed, Split.allCases)
    func malformedAnswersAreTyped(_ c: Malformed, _ split: Split) {
        let (result, _, _) = Self.feed(Self.bytes(c.text), split)
        #expect(result == .failure(.malformed(c.error)))
    }

    @Test(arguments: Split.allCases)
    func oversizedHeadIsRefused(_ split: Split) {
        let answer = Self.bytes("HTTP/1.1 200 OK\r\nX-Pad: " + String(repeating: "a", count: 9000) + "\r\n\r\n")
        let (result, _, _) = Self.feed(answer, split)
        #expect(result == .failure(.malformed(.headTooLarge(limit: 8192))))
    }

    @Test func bytesAfterTheOutcomeAreIgnored() {
        var exchange = HTTPConnectExchange(host: "h", port: 443, basicCredentials: nil)
        #expect(throws: HTTPConnectExchange.Failure.refused(.status(403, reason: "No"))) {
            try exchange.receive(Self.bytes("HTTP/1.1 403 No\r\n\r\n"))
        }
        #expect((try? exchange.receive(Self.bytes("HTTP/1.1 200 OK\r\n\r\n"))) == .needMore)
    }
}

/// SplitMix64, for reproducible random pieces.
struct SplitMix {
    private var state: UInt64
    init(_ seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
