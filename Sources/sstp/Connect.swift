import ArgumentParser
import Glibc
import PPP
import SSTPPlatform
import SSTPSession
import SSTPTLS
import SSTPTunnel

struct Connect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Connect to an SSTP server and run the tunnel until Ctrl-C or SIGTERM.",
        discussion: """
            The password is read from a file (--password-file, or - for standard input), never \
            from the command line or the environment. Every option can also come from \
            --config FILE, one "name = value" per line, named like the long options \
            (e.g. "server = vpn.example.com", "password-file = /etc/sstp/work.pass").

            Exit status: 0 disconnected on request; 2 authentication failed; 3 TLS or \
            certificate problem; 4 the server refused while connecting; 5 network failure; \
            6 local set-up failure; 7 the server ended an established session \
            (CALL_DISCONNECT or PPP Terminate-Request after "connected:"); 64 bad usage.
            """)

    @Argument(help: "The server, as HOST or HOST:PORT (port 443 by default).")
    var server: String?

    @Option(help: "Read options from this file; the command line wins where both set one.")
    var config: String?

    @Option(help: "The user name for PPP authentication.")
    var user: String?

    @Option(help: "A file holding the password (first line); - reads it from standard input.")
    var passwordFile: String?

    @Option(help: "A Windows domain, sent as DOMAIN\\user.")
    var domain: String?

    @OptionGroup(title: "Certificate checking")
    var tlsOptions: TLSOptions

    @OptionGroup(title: "HTTP proxy")
    var proxyOptions: ProxyOptions

    @OptionGroup(title: "PPP")
    var pppOptions: PPPOptions

    @OptionGroup(title: "Network")
    var networkOptions: NetworkOptions

    @Flag(name: .shortAndLong, help: "Show every protocol step.")
    var verbose = false

    @Flag(help: .hidden)
    var testCorruptCryptoBinding = false

    mutating func run() throws {
        var file = ConfigFile()
        if let config {
            do {
                file = try ConfigFile.load(path: config)
            } catch {
                throw ValidationError("\(error)")
            }
        }
        let options = try buildOptions(file)
        let exitCode = ConnectRunner(options: options, verbose: verbose || file.bool("verbose") == true).run()
        if exitCode != 0 { throw ExitCode(exitCode) }
    }

    private func buildOptions(_ file: ConfigFile) throws -> ClientOptions {
        guard let serverText = server ?? file["server"] else {
            throw ValidationError("give the server: sstp connect HOST[:PORT], or \"server = ...\" in --config")
        }
        let (host, port) = try parseHostPort(serverText, defaultPort: 443)
        guard let userName = user ?? file["user"] else {
            throw ValidationError("give the user name with --user")
        }
        guard let passwordPath = passwordFile ?? file["password-file"] else {
            throw ValidationError(
                "give the password with --password-file FILE (or - for standard input); "
                    + "passwords are never taken from the command line or the environment")
        }
        let password = try readSecret(passwordPath, what: "password")
        let fullUser = (domain ?? file["domain"]).map { "\($0)\\\(userName)" } ?? userName

        var tls = TLSClientConfiguration(serverName: tlsOptions.serverName ?? file["server-name"] ?? host)
        try tlsOptions.apply(to: &tls, file: file)

        var ppp = PPPClientConfiguration(userName: fullUser, password: password)
        try pppOptions.apply(to: &ppp, file: file)

        var options = ClientOptions(server: host, tls: tls, ppp: ppp)
        options.port = port
        options.proxy = try proxyOptions.build(file: file)
        try networkOptions.apply(to: &options, file: file)
        if let hello = pppOptions.helloInterval ?? file.int("hello-interval") {
            options.sstpTimers.hello = .seconds(hello)
        }
        options.corruptCryptoBinding = testCorruptCryptoBinding
        if let backend = pppOptions.backend ?? file["backend"] {
            guard let kind = ClientOptions.Backend(rawValue: backend) else {
                throw ValidationError("--backend: userspace or pppd")
            }
            options.backend = kind
        }
        if let plugin = pppOptions.pppdPlugin ?? file["pppd-plugin"] { options.pppdPluginPath = plugin }
        return options
    }
}

/// Host or HOST:PORT or [IPv6]:PORT.
func parseHostPort(_ text: String, defaultPort: UInt16) throws -> (String, UInt16) {
    if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
        let host = String(text[text.index(after: text.startIndex)..<close])
        let rest = text[text.index(after: close)...]
        if rest.isEmpty { return (host, defaultPort) }
        guard rest.hasPrefix(":"), let port = UInt16(rest.dropFirst()) else {
            throw ValidationError("\"\(text)\" is not HOST:PORT")
        }
        return (host, port)
    }
    let colons = text.filter { $0 == ":" }.count
    if colons == 1, let colon = text.lastIndex(of: ":") {
        guard let port = UInt16(text[text.index(after: colon)...]), port > 0 else {
            throw ValidationError("\"\(text)\": the port must be a number from 1 to 65535")
        }
        return (String(text[..<colon]), port)
    }
    return (text, defaultPort)
}

/// Reads a secret from a file (its first line) or from standard input.
/// Warns when the file is readable by others.
func readSecret(_ path: String, what: String) throws -> String {
    if path == "-" {
        guard let line = readLine(strippingNewline: true) else {
            throw ValidationError("no \(what) on standard input")
        }
        return line
    }
    var st = stat()
    guard stat(path, &st) == 0 else {
        throw ValidationError("cannot read the \(what) file \(path): \(String(cString: strerror(errno)))")
    }
    if st.st_mode & 0o044 != 0 {
        FileHandleErr.write("warning: \(path) is readable by other users; chmod 600 it\n")
    }
    guard let f = fopen(path, "r") else {
        throw ValidationError("cannot read the \(what) file \(path): \(String(cString: strerror(errno)))")
    }
    defer { fclose(f) }
    var bytes: [UInt8] = []
    while true {
        let c = fgetc(f)
        if c == EOF || c == 10 { break }
        bytes.append(UInt8(truncatingIfNeeded: c))
    }
    if bytes.last == 13 { bytes.removeLast() }
    guard !bytes.isEmpty else { throw ValidationError("the \(what) file \(path) is empty") }
    return String(decoding: bytes, as: UTF8.self)
}

enum FileHandleErr {
    static func write(_ text: String) {
        _ = text.withCString { Glibc.write(2, $0, strlen($0)) }
    }
}
