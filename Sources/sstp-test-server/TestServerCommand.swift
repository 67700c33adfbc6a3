import ArgumentParser
import Glibc
import PPP
import SSTPCrypto
import SSTPPlatform
import SSTPTestServerKit

@main
struct TestServerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sstp-test-server",
        abstract: "The bundled SSTP test server: TLS, SSTP and PPP on the client's own stack.",
        discussion: """
            It checks every client's crypto binding (MS-SSTP 3.3.5.2.3) and logs \
            "Crypto binding is valid" or the reason it aborted. The fault options make it \
            misbehave on purpose, for tests.
            """)

    @Option(help: "Address and port to listen on (port 0 picks one, printed on start).")
    var listen = "0.0.0.0:443"

    @Option(help: "PEM certificate chain file.")
    var cert: String

    @Option(help: "PEM private key file.")
    var key: String

    @Option(help: "Users file: one \"user:password\" per line (optional with --radius for EAP only).")
    var users: String?

    @Option(
        help:
            "Relay EAP to this RADIUS server, ADDRESS:PORT (RFC 3579), as RRAS does with NPS; needs --radius-secret-file."
    )
    var radius: String?

    @Option(help: "File whose first line is the RADIUS shared secret.")
    var radiusSecretFile: String?

    @Option(help: "NAS-Identifier in the Access-Requests (default sstp-test-server).")
    var nasIdentifier = "sstp-test-server"

    @Option(help: "Seconds between Access-Request attempts (default 3).")
    var radiusTimeout: Double = 3

    @Option(help: "Access-Request attempts before the RADIUS server counts as down (default 3).")
    var radiusAttempts: Int = 3

    @Option(
        help:
            "Which MSK bytes form the HLAK for EAP through RADIUS: msk (MSK[0..31]) or truncated (MSK[0..15] | MSK[32..47])."
    )
    var eapKeyLayout = "msk"

    @Option(help: "The server's address inside the tunnels.")
    var local = "10.201.0.1"

    @Option(help: "The address pool, FIRST-LAST.")
    var pool = "10.201.0.10-10.201.0.250"

    @Option(help: "DNS servers to hand out; repeatable.")
    var dns: [String] = []

    @Option(help: "Authentication methods to offer, in order: mschapv2,eap,chap,pap.")
    var methods = "mschapv2,eap,chap,pap"

    @Option(help: "Hash protocols to offer for the crypto binding: sha1, sha256 or both.")
    var hashes = "both"

    @Flag(name: .customLong("no-ipv6"), help: "Do not offer IPv6CP.")
    var noIPv6 = false

    @Flag(
        help:
            "Send each client's packets in the order they come, without the FQ-CoDel queue (AQM) in front of its socket."
    )
    var noQueueManagement = false

    @Option(help: "Seconds of silence before an SSTP echo request (default 60).")
    var helloInterval: Int?

    @Option(help: "Name of the server's TUN interface.")
    var interface = "sstpsrv%d"

    @Option(help: "Write the listening port to this file once listening.")
    var portFile: String?

    @Option(help: "Seconds a client has for the TLS handshake and the HTTP request (default 10).")
    var handshakeTimeout: Int = 10

    @Option(help: "Seconds a client has from the accept to PPP authentication (default 30).")
    var loginTimeout: Int = 30

    @Option(help: "Connections allowed before login at once; a new one closes the oldest (default 128).")
    var maxUnauthenticated: Int = 128

    @Flag(help: "Fault: check the crypto binding against a wrong key.")
    var faultWrongBinding = false

    @Option(help: "Fault: abort the call after this many data packets.")
    var faultAbortAfter: Int?

    @Flag(help: "Fault: never answer SSTP echo requests.")
    var faultIgnoreEchoes = false

    @Flag(help: "Fault: stop sending anything once the call is connected.")
    var faultSilent = false

    @Option(help: "Fault: wait this many milliseconds before answering the HTTP request.")
    var faultSlowHandshake: Int?

    @Flag(help: "Fault: send a malformed control packet after CALL_CONNECT_ACK.")
    var faultMalformed = false

    @Option(help: "Fault: answer the HTTP request with this status.")
    var faultHTTPStatus: Int?

    @Option(help: "Re-key every TLS session this often (seconds): TLS 1.2 renegotiation, TLS 1.3 KeyUpdate.")
    var renegotiateEvery: Double?

    @Option(help: "Fault: with --renegotiate-every, renegotiate with this certificate chain (PEM) instead.")
    var faultRenegotiateCert: String?

    @Option(help: "Fault: the private key of --fault-renegotiate-cert.")
    var faultRenegotiateKey: String?
    @Option(help: "Fault: send CALL_DISCONNECT this many seconds after IPCP is up.")
    var faultDisconnectAfter: Int?

    mutating func run() throws {
        let options = try buildOptions()
        let loop = try EventLoop()
        let signals = try SignalWatcher()
        let server = try SSTPServer(options: options, loop: loop) { line in
            let text = line + "\n"
            _ = text.withCString { write(2, $0, strlen($0)) }
        }
        try server.start()
        if let portFile {
            let text = "\(server.port)\n"
            let fd = open(portFile, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            if fd >= 0 {
                _ = text.withCString { write(fd, $0, strlen($0)) }
                close(fd)
            }
        }
        var running = true
        try loop.add(fd: signals.fd, events: .readable) { _ in
            if !signals.drain().isEmpty {
                server.stop()
                running = false
            }
        }
        while running { try loop.runOnce() }
        // Give the disconnects a moment to go out.
        let end = loop.now + .milliseconds(300)
        while loop.now < end, server.connectionCount > 0 { try loop.runOnce(maximumWait: .milliseconds(50)) }
    }

    private func buildOptions() throws -> ServerOptions {
        let parts = listen.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let address = SocketAddress.parseNumeric(String(parts[0])), let port = UInt16(parts[1])
        else { throw ValidationError("--listen: give ADDRESS:PORT, e.g. 10.99.0.1:443") }
        guard let localAddress = IPv4Address(local) else { throw ValidationError("--local: not an IPv4 address") }
        let range = pool.split(separator: "-")
        guard range.count == 2, let first = IPv4Address(String(range[0])), let last = IPv4Address(String(range[1])),
            first.value <= last.value
        else { throw ValidationError("--pool: give FIRST-LAST, e.g. 10.201.0.10-10.201.0.250") }
        var options = ServerOptions(
            listen: SocketAddress(address: address, port: port), certificateChainFile: cert, privateKeyFile: key,
            users: try users.map(Self.loadUsers) ?? [:], localAddress: localAddress, pool: first.value...last.value)
        options.dns = try dns.map {
            guard let a = IPv4Address($0) else { throw ValidationError("--dns \($0): not an IPv4 address") }
            return a
        }
        options.methods = try methods.split(separator: ",").map {
            switch $0 {
            case "mschapv2": return .mschapv2
            case "eap": return .eapMSCHAPv2
            case "chap": return .chapMD5
            case "pap": return .pap
            default: throw ValidationError("--methods: unknown method \($0)")
            }
        }
        switch hashes {
        case "sha1": options.offeredHashes = .sha1
        case "sha256": options.offeredHashes = .sha256
        case "both": options.offeredHashes = [.sha1, .sha256]
        default: throw ValidationError("--hashes: sha1, sha256 or both")
        }
        options.radius = try buildRADIUS()
        if users == nil, options.radius == nil || options.methods != [.eapMSCHAPv2] {
            throw ValidationError("--users: needed unless --radius is given with --methods eap")
        }
        options.ipv6 = !noIPv6
        options.queueManagement = !noQueueManagement
        if let helloInterval { options.sstpTimers.hello = .seconds(helloInterval) }
        options.interfaceName = interface
        guard (1...3600).contains(handshakeTimeout) else { throw ValidationError("--handshake-timeout: 1 to 3600") }
        guard (1...3600).contains(loginTimeout) else { throw ValidationError("--login-timeout: 1 to 3600") }
        guard (1...1_000_000).contains(maxUnauthenticated) else {
            throw ValidationError("--max-unauthenticated: 1 to 1000000")
        }
        options.handshakeTimeout = .seconds(handshakeTimeout)
        options.loginTimeout = .seconds(loginTimeout)
        options.maxUnauthenticated = maxUnauthenticated
        options.faults.wrongCryptoBinding = faultWrongBinding
        options.faults.abortAfterPackets = faultAbortAfter
        options.faults.ignoreEchoes = faultIgnoreEchoes
        options.faults.silentAfterConnect = faultSilent
        options.faults.slowHandshake = faultSlowHandshake.map { .milliseconds($0) }
        options.faults.malformedPacket = faultMalformed
        options.faults.httpStatus = faultHTTPStatus
        if let renegotiateEvery {
            guard renegotiateEvery >= 0.01, renegotiateEvery <= 86400 else {
                throw ValidationError("--renegotiate-every: give 0.01 to 86400 seconds")
            }
            options.renegotiateEvery = .milliseconds(Int((renegotiateEvery * 1000).rounded()))
        }
        if let faultRenegotiateCert {
            guard let faultRenegotiateKey else {
                throw ValidationError("--fault-renegotiate-cert needs --fault-renegotiate-key")
            }
            options.faults.renegotiationIdentity = .init(chain: faultRenegotiateCert, key: faultRenegotiateKey)
        }
        if let seconds = faultDisconnectAfter {
            guard (0...86400).contains(seconds) else {
                throw ValidationError("--fault-disconnect-after: 0 to 86400 seconds")
            }
            options.faults.disconnectAfter = .seconds(seconds)
        }
        return options
    }

    private func buildRADIUS() throws -> RADIUSSettings? {
        guard let radius else {
            guard radiusSecretFile == nil else { throw ValidationError("--radius-secret-file needs --radius") }
            return nil
        }
        guard let colon = radius.lastIndex(of: ":"),
            let address = SocketAddress.parseNumeric(
                String(radius[..<colon].drop { $0 == "[" }.reversed().drop { $0 == "]" }.reversed())),
            let port = UInt16(radius[radius.index(after: colon)...]), port > 0
        else { throw ValidationError("--radius: give ADDRESS:PORT, e.g. 127.0.0.1:1812") }
        guard let radiusSecretFile else {
            throw ValidationError("--radius needs --radius-secret-file: the shared secret never goes in argv")
        }
        let secret: String
        do {
            secret = try SecretFile.firstLine(radiusSecretFile, limit: 256)
        } catch {
            throw ValidationError("--radius-secret-file: \(error)")
        }
        guard radiusTimeout >= 0.05, radiusTimeout <= 60 else {
            throw ValidationError("--radius-timeout: 0.05 to 60 seconds")
        }
        guard (1...20).contains(radiusAttempts) else { throw ValidationError("--radius-attempts: 1 to 20") }
        let layout: HigherLayerAuthenticationKey.EAPKeyLayout
        switch eapKeyLayout {
        case "msk": layout = .masterSessionKey
        case "truncated": layout = .truncatedMasterKeys
        default: throw ValidationError("--eap-key-layout: msk or truncated")
        }
        return RADIUSSettings(
            server: SocketAddress(address: address, port: port), secret: Array(secret.utf8),
            nasIdentifier: nasIdentifier, keyLayout: layout,
            retransmitInterval: .milliseconds(Int((radiusTimeout * 1000).rounded())), attempts: radiusAttempts)
    }

    static func loadUsers(_ path: String) throws -> [String: String] {
        guard let f = fopen(path, "r") else { throw ValidationError("cannot read \(path)") }
        defer { fclose(f) }
        var bytes: [UInt8] = []
        while true {
            let c = fgetc(f)
            if c == EOF { break }
            bytes.append(UInt8(truncatingIfNeeded: c))
        }
        var users: [String: String] = [:]
        for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") {
            let trimmed = line.hasSuffix("\r") ? line.dropLast() : line
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            guard let colon = trimmed.firstIndex(of: ":") else {
                throw ValidationError("\(path): \"user:password\" per line")
            }
            users[String(trimmed[..<colon])] = String(trimmed[trimmed.index(after: colon)...])
        }
        return users
    }
}
