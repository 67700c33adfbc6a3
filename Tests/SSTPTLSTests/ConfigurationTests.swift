import Glibc
import SSTPTLS
import Testing

/// Options, files and connection-level failures.
@Suite struct ConfigurationTests {
    @Test func pinRoundTrip() throws {
        let text = "sha256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
        let pin = try TLSPin(parsing: text)
        #expect(pin.description == text)
        #expect(pin.sha256.count == 32)
        #expect(try TLSPin(parsing: "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU") == pin)
    }

    @Test(arguments: [
        "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
        "sha1:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
        "sha256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuF",
        "sha256:not base64!",
        "sha256:AAAA",
    ])
    func badPins(text: String) {
        #expect {
            try TLSPin(parsing: text)
        } throws: { error in
            guard case .invalidPin(let given, _) = error as? TLSError else { return false }
            return given == text
        }
    }

    @Test(arguments: ["", "vpn..example", "vpn example.com", "bücher.example", "host:443"])
    func badServerNames(name: String) {
        #expect {
            try TLSClientContext(TLSClientConfiguration(serverName: name))
        } throws: { error in
            guard case .invalidServerName = error as? TLSError else { return false }
            return true
        }
    }

    @Test func versionParsingAndRange() {
        #expect(TLSVersion(parsing: "1.2") == .tls12)
        #expect(TLSVersion(parsing: "TLSv1.3") == .tls13)
        #expect(TLSVersion(parsing: "1.1") == nil)
        var configuration = TLSClientConfiguration(serverName: "sstp.test")
        configuration.minVersion = .tls13
        configuration.maxVersion = .tls12
        #expect(throws: TLSError.invalidVersionRange(minimum: .tls13, maximum: .tls12)) {
            try TLSClientContext(configuration)
        }
    }

    @Test func missingCAFile() {
        var configuration = TLSClientConfiguration(serverName: "sstp.test")
        configuration.trust = .caFile("/nonexistent/ca.pem")
        #expect {
            try TLSClientContext(configuration)
        } throws: { error in
            guard case .certificateFileError(let path, _) = error as? TLSError else { return false }
            return path == "/nonexistent/ca.pem"
        }
    }

    @Test func serverFiles() throws {
        let pki = try TestPKI.get()
        #expect {
            try TLSServerContext(
                certificateChainFile: "/nonexistent.pem", privateKeyFile: pki.path("leaf.key"))
        } throws: { error in
            guard case .certificateFileError = error as? TLSError else { return false }
            return true
        }
        // A key file that holds a certificate, not a key.
        #expect {
            try TLSServerContext(
                certificateChainFile: pki.path("sstp-chain.pem"), privateKeyFile: pki.path("root.pem"))
        } throws: { error in
            guard case .privateKeyError = error as? TLSError else { return false }
            return true
        }
        // The key of another certificate.
        #expect {
            try TLSServerContext(
                certificateChainFile: pki.path("sstp-chain.pem"), privateKeyFile: pki.path("selfsigned.key"))
        } throws: { error in
            guard case .privateKeyError(_, let detail) = error as? TLSError else { return false }
            return detail.contains("does not belong")
        }
    }

    /// A peer that closes without a word, and one that answers in HTTP.
    @Test func peerThatIsNotATLSServer() throws {
        signal(SIGPIPE, SIG_IGN)
        let context = try TLSClientContext(TLSClientConfiguration(serverName: "sstp.test"))

        let (a, b) = try TLSPair.socketPair()
        defer {
            close(a)
            close(b)
        }
        let silent = try context.connect(socket: a)
        Glibc.shutdown(b, Int32(SHUT_WR))
        #expect(throws: TLSError.peerClosed(duringHandshake: true)) {
            for _ in 0..<100 { _ = try silent.handshake() }
        }

        let (c, d) = try TLSPair.socketPair()
        defer {
            close(c)
            close(d)
        }
        let http = try context.connect(socket: c)
        #expect(try http.handshake() == .wantRead)
        let reply = Array("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n".utf8)
        #expect(reply.withUnsafeBytes { Glibc.write(d, $0.baseAddress, $0.count) } == reply.count)
        #expect {
            for _ in 0..<100 { _ = try http.handshake() }
        } throws: { error in
            guard case .protocolError(let detail) = error as? TLSError else { return false }
            return (error as? TLSError)?.description.contains("did not answer in TLS") == true
                && !detail.isEmpty
        }
    }
}
