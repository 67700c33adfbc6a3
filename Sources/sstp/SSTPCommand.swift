import ArgumentParser
import SSTPBuildInfo
import SSTPOptions
import SSTPStream
import SSTPTunnel

@main
enum EntryPoint {
    static func main() {
        // `sstp connect` needs OpenSSL's one-time set-up (about 3 ms in a
        // fresh process here); it runs on a second core while the arguments
        // are parsed and the connection starts, instead of in front of TLS.
        // Joined before any exit, so OpenSSL's exit handler never meets it.
        let warmUp = CommandLine.arguments.dropFirst().first == "connect" ? LibraryWarmUp() : nil
        do {
            // A plain `connect` line is read from the option table; the rest
            // (help, completions, anything unusual) by ArgumentParser.
            let arguments = Array(CommandLine.arguments.dropFirst())
            if arguments.first == "connect", let parsed = ConnectCommandLine.parse(Array(arguments.dropFirst())) {
                try Connect.run(parsed)
            } else {
                var command = try SSTPCommand.parseAsRoot()
                try command.run()
            }
            warmUp?.wait()
        } catch {
            warmUp?.wait()
            SSTPCommand.exit(withError: error)
        }
    }
}

struct SSTPCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sstp",
        abstract: "An SSTP VPN client (MS-SSTP) with its own PPP: no pppd, no kernel PPP.",
        discussion: """
            Exit status: 0 after a requested disconnect, 2 authentication failed, 3 TLS or \
            certificate problem, 4 the server refused the connection, 5 network failure, \
            6 local set-up failure (TUN, permissions), 64 bad usage.
            """,
        version: BuildInfo.versionLine,
        subcommands: [Connect.self],
        defaultSubcommand: nil
    )
}
