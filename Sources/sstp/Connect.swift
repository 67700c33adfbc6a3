import ArgumentParser
import Glibc
import SSTPOptions
import SSTPPlatform
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

    @Argument(help: tableHelp("server"))
    var server: String?

    @Option(name: tableName("config"), help: tableHelp("config"))
    var config: String?

    @Option(name: tableName("user"), help: tableHelp("user"))
    var user: String?

    @Option(name: tableName("password-file"), help: tableHelp("password-file"))
    var passwordFile: String?

    @Option(name: tableName("domain"), help: tableHelp("domain"))
    var domain: String?

    @OptionGroup(title: "Certificate checking")
    var tlsOptions: TLSOptions

    @OptionGroup(title: "HTTP proxy")
    var proxyOptions: ProxyOptions

    @OptionGroup(title: "PPP")
    var pppOptions: PPPOptions

    @OptionGroup(title: "Network")
    var networkOptions: NetworkOptions

    @Flag(name: tableName("verbose"), help: tableHelp("verbose"))
    var verbose = false

    @Flag(help: .hidden)
    var testCorruptCryptoBinding = false

    mutating func run() throws {
        try Self.run(config: config, commandLine: commandLineValues, corruptCryptoBinding: testCorruptCryptoBinding)
    }

    /// A command line ConnectCommandLine read without ArgumentParser.
    static func run(_ parsed: ConnectCommandLine.Parsed) throws {
        var v = CommandLineValues()
        for value in parsed.values { v.add(value.id, value.text) }
        try run(config: parsed.config, commandLine: v, corruptCryptoBinding: false)
    }

    private static func run(config: String?, commandLine: CommandLineValues, corruptCryptoBinding: Bool) throws {
        let (options, verbose) = try buildOptions(
            config: config, commandLine: commandLine, corruptCryptoBinding: corruptCryptoBinding)
        let exitCode = ConnectRunner(options: options, verbose: verbose).run()
        if exitCode != 0 { throw ExitCode(exitCode) }
    }

    /// The command line's values by table id.
    var commandLineValues: CommandLineValues {
        var v = CommandLineValues()
        v.add("server", server)
        v.add("user", user)
        v.add("password-file", passwordFile)
        v.add("domain", domain)
        tlsOptions.add(to: &v)
        proxyOptions.add(to: &v)
        pppOptions.add(to: &v)
        networkOptions.add(to: &v)
        v.add("verbose", flag: verbose)
        return v
    }

    /// The command line wins over --config where both set an option (for a
    /// repeatable one, the command line's list replaces the file's).
    private static func buildOptions(
        config: String?, commandLine: CommandLineValues, corruptCryptoBinding: Bool
    ) throws -> (ClientOptions, Bool) {
        let fileInputs = try config.map { (path) throws(ValidationError) in try ConfigFile.load(path: path) } ?? []
        let cli = commandLine.values
        var inputs: [OptionInput] = []
        for spec in OptionTable.all {
            let given = cli.filter { $0.id == spec.id }.flatMap(\.texts)
            if given.isEmpty {
                inputs += fileInputs.filter { $0.spec.id == spec.id }
            } else {
                inputs += given.map { OptionInput(spec: spec, text: $0, from: .commandLine) }
            }
        }
        let has = { (id: String) in inputs.contains { $0.spec.id == id } }
        guard has("server") else {
            throw ValidationError("give the server: sstp connect HOST[:PORT], or \"server = ...\" in --config")
        }
        // EAP-TLS authenticates with the certificate: no password, and the
        // identity may come from the certificate.
        let certificateOnly = inputs.contains { $0.spec.id == "connection-type" && $0.text == "tls" }
        guard has("user") || certificateOnly else { throw ValidationError("give the user name with --user") }
        guard has("password-file") || certificateOnly else {
            throw ValidationError(
                "give the password with --password-file FILE (or - for standard input); "
                    + "passwords are never taken from the command line or the environment")
        }
        let target: OptionTarget
        do {
            target = try OptionTable.build(inputs, files: files)
        } catch {
            throw ValidationError("\(error)")
        }
        var options: ClientOptions
        do {
            options = try target.finish(keepalive: .failureAtLeastOne)
        } catch {
            throw ValidationError("\(error)")
        }
        options.corruptCryptoBinding = corruptCryptoBinding
        return (options, target.verbose)
    }

    /// Secret files: the first line, at most SecretFileLimit.bytes, with a
    /// warning when others can read the file; - is standard input.
    static let files = OptionFiles(
        readSecret: { (path) throws(OptionError) in
            var st = stat()
            if path != "-", stat(path, &st) == 0, st.st_mode & S_IFMT == S_IFREG, st.st_mode & 0o044 != 0 {
                FileHandleErr.write("warning: \(path) is readable by other users; chmod 600 it\n")
            }
            do {
                return try SecretFile.firstLine(path, limit: SecretFileLimit.bytes, allowStandardInput: true)
            } catch {
                throw OptionError("\(error)")
            }
        },
        checkReadable: { (path) throws(OptionError) in
            do {
                try SecretFile.checkReadable(path)
            } catch {
                throw OptionError("\(error)")
            }
        })
}

enum FileHandleErr {
    static func write(_ text: String) {
        _ = text.withCString { Glibc.write(2, $0, strlen($0)) }
    }
}
