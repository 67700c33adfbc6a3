import ArgumentParser
import Glibc
import SSTPBuildInfo
import SSTPDBus
import SSTPLog
import SSTPPlatform
import SSTPService
import SSTPStream
import SSTPTunnel

@main
struct ServiceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sstp-service",
        abstract: "The SSTP D-Bus service: NetworkManager's VPN plugin and a standalone API.",
        discussion: """
            Without --standalone it is the NetworkManager VPN plugin \
            (org.freedesktop.NetworkManager.VPN.Plugin); NetworkManager starts it with \
            --bus-name org.freedesktop.NetworkManager.sstp.Connection_N. With --standalone it \
            owns net.sstpclient.Client1 for busctl and scripts; the D-Bus daemon starts it on \
            the first call and it exits when idle.
            """,
        version: BuildInfo.versionLine)

    @Option(help: "The bus name to own (NetworkManager passes one per connection).")
    var busName: String?

    @Flag(help: "Serve the standalone API (net.sstpclient.Client1) instead of the NetworkManager plugin.")
    var standalone = false

    @Option(help: "Seconds without connections before the standalone service exits.")
    var idleExit = 30

    @Flag(help: "Log to standard error (default when it is not /dev/null); keep running after NetworkManager leaves.")
    var debug = false

    @Option(help: .hidden)
    var printIntrospection: String?

    mutating func run() throws {
        if let which = printIntrospection {
            print(try Self.introspection(which), terminator: "")
            return
        }
        // The service is started for a Connect (D-Bus activation, or by
        // NetworkManager): OpenSSL's one-time set-up runs on a second core
        // while it joins the bus, not in front of the first TLS handshake.
        // Joined before run returns or throws, so before the process exits.
        let warmUp = LibraryWarmUp()
        defer { warmUp.wait() }
        let loop = try EventLoop()
        let signals = try SignalWatcher()
        // Lines on standard error ("sstp-service[pid]: "), with syslog
        // priorities when it is the journal (SSTPLog); NetworkManager
        // captures a plugin's stderr in its own log.
        let log = Log(identifier: "sstp-service")
        let bus: DBusConnection
        do {
            bus = try DBusConnection.system(loop: loop)
        } catch {
            log.error("cannot connect to the system bus: \(error)")
            throw ExitCode(1)
        }
        var running = true
        bus.onDisconnected = {
            log.write("the system bus went away; exiting")
            running = false
        }
        var terminate: () -> Void = {}
        if standalone {
            let manager = StandaloneManager(bus: bus, loop: loop) { log.write($0) }
            manager.idleTimeout = .seconds(idleExit)
            manager.onIdle = { running = false }
            bus.export(manager.object())
            let name = busName ?? StandaloneManager.busName
            guard try bus.requestName(name) != .exists else {
                log.error("\(name) is already owned by another process")
                throw ExitCode(1)
            }
            log.write("serving \(name)")
            manager.armIdle()
            terminate = {
                manager.terminate()
                if manager.activeCount == 0 { running = false }
                manager.onIdle = { running = false }
                manager.idleTimeout = .seconds(1)
                manager.armIdle()
            }
        } else {
            let plugin = NMVPNPlugin(bus: bus, loop: loop) { log.write($0) }
            plugin.onStopped = { running = false }
            // The object must exist before the name: NetworkManager calls
            // NeedSecrets as soon as it sees the owner (notes §7).
            bus.export(plugin.object())
            let name = busName ?? "org.freedesktop.NetworkManager.sstp"
            guard try bus.requestName(name) != .exists else {
                log.error("\(name) is already owned by another process")
                throw ExitCode(1)
            }
            log.write("serving \(name) as NetworkManager's SSTP plugin")
            if !debug {
                // watch-peer: NetworkManager leaving means disconnect.
                try? bus.addMatch(
                    "type='signal',sender='org.freedesktop.DBus',member='NameOwnerChanged',arg0='org.freedesktop.NetworkManager'"
                )
                bus.onSignal = { _, _, _, member, args in
                    if member == "NameOwnerChanged", args.count == 3, args[2].stringValue == "" {
                        plugin.peerVanished()
                    }
                }
            }
            terminate = { plugin.terminate() }
        }
        try loop.add(fd: signals.fd, events: .readable) { _ in
            if !signals.drain().isEmpty {
                log.write("signal received; disconnecting")
                terminate()
            }
        }
        while running { try loop.runOnce() }
        // Let the last replies and signals go out.
        let end = loop.now + .milliseconds(200)
        while loop.now < end { try loop.runOnce(maximumWait: .milliseconds(50)) }
        bus.close()
    }

    static func introspection(_ which: String) throws -> String {
        let header = DBusIntrospection.header + "<node>\n"
        switch which {
        case "nm":
            return header + DBusIntrospection.xml(for: NMVPNPlugin.interfaceDeclaration(nil)) + "</node>\n"
        case "standalone":
            return header + DBusIntrospection.xml(for: StandaloneManager.managerDeclaration(nil))
                + DBusIntrospection.xml(for: StandaloneManager.connectionDeclaration(nil)) + "</node>\n"
        default:
            throw ValidationError("--print-introspection nm|standalone")
        }
    }
}
