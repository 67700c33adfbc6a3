import ByteCoding
import Testing

@testable import SSTPHTTP

@Suite struct RequestTests {
    @Test func duplexPostIsTheSpecRequest() {
        let id = "{6B1C0D2E-1F3A-4B5C-8D6E-7F8091A2B3C4}"
        let text = String(decoding: SSTPDuplexPost.request(host: "vpn.example.com", correlationID: id), as: UTF8.self)
        #expect(
            text
                == "SSTP_DUPLEX_POST /sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/ HTTP/1.1\r\n"
                + "Host: vpn.example.com\r\nContent-Length: 18446744073709551615\r\n"
                + "SSTPCORRELATIONID: \(id)\r\n\r\n")
    }

    @Test func hostHeaderForms() {
        #expect(SSTPDuplexPost.hostHeader(host: "a.example", port: 443) == "a.example")
        #expect(SSTPDuplexPost.hostHeader(host: "a.example", port: 8443) == "a.example:8443")
        #expect(SSTPDuplexPost.hostHeader(host: "2001:db8::1", port: 443) == "[2001:db8::1]")
        #expect(SSTPDuplexPost.hostHeader(host: "2001:db8::1", port: 4433) == "[2001:db8::1]:4433")
    }

    @Test func correlationIDIsABracedVersion4GUID() {
        let id = SSTPDuplexPost.correlationID(random: Array(0..<16))
        #expect(id == "{00010203-0405-4607-8809-0A0B0C0D0E0F}")
        let other = SSTPDuplexPost.correlationID(random: Array(repeating: 0xff, count: 16))
        #expect(other == "{FFFFFFFF-FFFF-4FFF-BFFF-FFFFFFFFFFFF}")
    }

    @Test func connectRequestCarriesSSTPVersionAndBasicCredentials() {
        let plain = String(
            decoding: HTTPConnect.request(host: "vpn.example.com", port: 443, basicCredentials: nil), as: UTF8.self)
        #expect(
            plain == "CONNECT vpn.example.com:443 HTTP/1.1\r\nHost: vpn.example.com:443\r\nSSTPVERSION: 1.0\r\n\r\n")
        let auth = String(
            decoding: HTTPConnect.request(
                host: "2001:db8::5", port: 8443, basicCredentials: ("Aladdin", "open sesame")),
            as: UTF8.self)
        // RFC 7617 §2's example credentials.
        #expect(auth.hasPrefix("CONNECT [2001:db8::5]:8443 HTTP/1.1\r\n"))
        #expect(auth.contains("Proxy-Authorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==\r\n"))
    }

    @Test func base64RoundTripsRFC4648Vectors() {
        let vectors = [
            "": "", "f": "Zg==", "fo": "Zm8=", "foo": "Zm9v", "foob": "Zm9vYg==", "fooba": "Zm9vYmE=",
            "foobar": "Zm9vYmFy",
        ]
        for (clear, encoded) in vectors {
            #expect(Base64.encode(Array(clear.utf8)) == encoded)
            #expect(Base64.decode(encoded) == Array(clear.utf8))
        }
        #expect(Base64.decode("Zm9v=") == nil)
        #expect(Base64.decode("Z=9v") == nil)
        #expect(Base64.decode("Zm*v") == nil)
    }
}

@Suite struct ResponseParserTests {
    static let okHead =
        "HTTP/1.1 200 OK\r\nContent-Length: 18446744073709551615\r\nServer: Microsoft-HTTPAPI/2.0\r\nDate: Fri, 27 Nov 2026 12:00:00 GMT\r\n\r\n"

    @Test func parsesTheServersOKAndLeavesTheRest() throws {
        var parser = HTTPResponseParser()
        let bytes = Array(Self.okHead.utf8) + [0x10, 0x01, 0x00, 0x30]
        let (head, consumed) = try #require(try parser.feed(bytes))
        #expect(head.status == 200)
        #expect(head.reason == "OK")
        #expect(head.headers.first(named: "content-length") == "18446744073709551615")
        #expect(consumed == bytes.count - 4)
        #expect(SSTPDuplexPost.check(response: head) == nil)
    }

    @Test func byteAtATime() throws {
        var parser = HTTPResponseParser()
        let bytes = Array(Self.okHead.utf8)
        var result: HTTPResponseHead?
        for (i, byte) in bytes.enumerated() {
            if let (head, consumed) = try parser.feed([byte]) {
                #expect(i == bytes.count - 1)
                #expect(consumed == 1)
                result = head
            }
        }
        #expect(result?.headers.count == 3)
    }

    @Test func refusalsAreNamed() throws {
        var parser = HTTPResponseParser()
        let (head, _) = try #require(try parser.feed(Array("HTTP/1.1 404 Not Found\r\n\r\n".utf8)))
        let refusal = try #require(SSTPDuplexPost.check(response: head))
        #expect(refusal == .status(404, reason: "Not Found"))
        #expect(refusal.description.contains("404 Not Found"))
    }

    @Test func proxy407ListsSchemes() throws {
        var parser = HTTPResponseParser()
        let text =
            "HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"corp\"\r\nProxy-Authenticate: Negotiate\r\n\r\n"
        let (head, _) = try #require(try parser.feed(Array(text.utf8)))
        #expect(
            HTTPConnect.check(response: head, credentialsSent: false)
                == .authenticationRequired(status: 407, schemes: ["Basic", "Negotiate"], credentialsSent: false))
        var ok = HTTPResponseParser()
        let (established, _) = try #require(try ok.feed(Array("HTTP/1.0 200 Connection established\r\n\r\n".utf8)))
        #expect(HTTPConnect.check(response: established, credentialsSent: true) == nil)
    }

    struct Bad: Sendable, CustomTestStringConvertible {
        var text: String
        var error: HTTPParseError
        var testDescription: String { text.debugDescription }
    }

    static let bad: [Bad] = [
        Bad(text: "HTTP/2 200 OK\r\n\r\n", error: .unsupportedVersion("HTTP/2")),
        Bad(text: "ICY 200 OK\r\n\r\n", error: .unsupportedVersion("ICY")),
        Bad(text: "HTTP/1.1 2000 OK\r\n\r\n", error: .invalidStatusCode),
        Bad(text: "HTTP/1.1 2x0 OK\r\n\r\n", error: .invalidStatusCode),
        Bad(text: "HTTP/1.1\r\n\r\n", error: .malformedStatusLine),
        Bad(text: "HTTP/1.1 200 OK\r\nNoColon\r\n\r\n", error: .malformedHeader(line: 2)),
        Bad(text: "HTTP/1.1 200 OK\r\n folded: x\r\n\r\n", error: .malformedHeader(line: 2)),
        Bad(text: "HTTP/1.1 200 OK\r\nA: b\nC: d\r\n\r\n", error: .invalidCharacter(offset: 21)),
        Bad(text: "HTTP/1.1 200 OK\r\nA: b\rC: d\r\n\r\n", error: .invalidCharacter(offset: 21)),
        Bad(text: "HTTP/1.1 200 OK\r\nA: \u{01}\r\n\r\n", error: .invalidCharacter(offset: 20)),
    ]

    @Test(arguments: bad) func rejected(_ c: Bad) {
        var parser = HTTPResponseParser()
        #expect(throws: c.error) { _ = try parser.feed(Array(c.text.utf8)) }
    }

    @Test func sizeLimits() {
        var parser = HTTPResponseParser(maxHeadLength: 64)
        #expect(throws: HTTPParseError.headTooLarge(limit: 64)) {
            _ = try parser.feed(Array(("HTTP/1.1 200 OK\r\nX: " + String(repeating: "a", count: 100)).utf8))
        }
        var few = HTTPResponseParser(maxHeaderCount: 2)
        #expect(throws: HTTPParseError.tooManyHeaders(limit: 2)) {
            _ = try few.feed(Array("HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n".utf8))
        }
    }
}

@Suite struct ServerSideTests {
    @Test func acceptsTheClientRequest() throws {
        var parser = HTTPRequestParser()
        let bytes = SSTPDuplexPost.request(host: "10.99.0.1", correlationID: "{X}")
        let (head, consumed) = try #require(try parser.feed(bytes))
        #expect(consumed == bytes.count)
        #expect(head.method == "SSTP_DUPLEX_POST")
        #expect(head.headers.first(named: "SSTPCORRELATIONID") == "{X}")
        #expect(SSTPDuplexPost.check(request: head) == nil)
    }

    @Test func refusesOtherRequests() throws {
        for (text, status) in [
            ("GET / HTTP/1.1\r\nHost: x\r\n\r\n", 405),
            ("SSTP_DUPLEX_POST /other/ HTTP/1.1\r\n\r\n", 404),
            ("SSTP_DUPLEX_POST /sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/ HTTP/1.0\r\n\r\n", 505),
        ] {
            var parser = HTTPRequestParser()
            let (head, _) = try #require(try parser.feed(Array(text.utf8)))
            #expect(SSTPDuplexPost.check(request: head)?.status == status)
        }
        var parser = HTTPRequestParser()
        #expect(throws: HTTPParseError.malformedRequestLine) {
            _ = try parser.feed(Array("SSTP_DUPLEX_POST  HTTP/1.1\r\n\r\n".utf8))
        }
    }

    @Test func okResponseParsesBack() throws {
        var parser = HTTPResponseParser()
        let (head, _) = try #require(try parser.feed(SSTPDuplexPost.okResponse(date: "Fri, 27 Nov 2026 12:00:00 GMT")))
        #expect(head.status == 200)
        #expect(head.headers.first(named: "Server") == "Microsoft-HTTPAPI/2.0")
        #expect(SSTPDuplexPost.check(response: head) == nil)
    }
}
