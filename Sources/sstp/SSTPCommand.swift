import ArgumentParser

@main
struct SSTPCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sstp",
        abstract: "An SSTP VPN client (MS-SSTP) with its own PPP: no pppd, no kernel PPP.",
        discussion: """
            Exit status: 0 after a requested disconnect, 2 authentication failed, 3 TLS or \
            certificate problem, 4 the server refused the connection, 5 network failure, \
            6 local set-up failure (TUN, permissions), 64 bad usage.
            """,
        subcommands: [Connect.self],
        defaultSubcommand: nil
    )
}
