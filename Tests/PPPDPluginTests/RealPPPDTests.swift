import Foundation
import Glibc
import PPPDBridge
import Testing

/// The built plugin in Debian's own /usr/sbin/pppd. Without kernel PPP
/// (no /dev/ppp here) pppd gets through loading the plugin, the version
/// match, plugin_init and option parsing, where the plugin connects and
/// says HELLO, and then exits 4 at its /dev/ppp check. pppd needs root.
@Suite(.enabled(if: geteuid() == 0, "pppd must run as root"))
struct RealPPPDTests {
    static let pppd = "/usr/sbin/pppd"

    /// pppd's exit code when /dev/ppp cannot be opened.
    static let noKernelSupport: Int32 = 4
    static let optionError: Int32 = 2

    static var kernelHasPPP: Bool {
        let fd = open("/dev/ppp", O_RDWR)
        if fd >= 0 { close(fd) }
        return fd >= 0
    }

    @Test func pppdLoadsThePluginWhichSaysHello() throws {
        let build = try PluginBuild.require()
        let listener = try BridgeListener()
        let child = try Child(
            Self.pppd,
            [
                "user", "alice", "ipparam", "sstp-real", "plugin", build.plugin, "sstp-bridge-socket", listener.path,
                "notty", "nodetach", "debug",
            ])
        let connection = try listener.accept()
        #expect(connection.peerPID() == child.pid)
        let version = try PluginBuild.headerVersion()
        #expect(
            try connection.next()
                == .hello(
                    pppdVersion: version, pid: UInt32(child.pid), protocolVersion: 1,
                    options: ["sstp-bridge-socket=\(listener.path)", "user=alice", "ipparam=sstp-real"]))
        // Nothing else: pppd stops before any phase change (and its early
        // exit() fires no exitnotify), so EOF follows.
        #expect(try connection.next() == nil)

        let result = try child.wait()
        if !Self.kernelHasPPP {
            #expect(result.status == Self.noKernelSupport, "\(result.output)")
            #expect(result.output.contains("/dev/ppp"))
        }
        #expect(result.output.contains("Plugin \(build.plugin) loaded."), "\(result.output)")
        #expect(result.output.contains("sstp-pppd-bridge: plugin for pppd \(version), bridge protocol 1"))
        #expect(result.output.contains("sstp-pppd-bridge: connected to \(listener.path)"))
    }

    /// The headers the plugin was built against are those of the pppd that
    /// loads it (pppd refuses any other version).
    @Test func headersMatchTheInstalledPPPD() throws {
        let child = try Child(Self.pppd, ["--version"])
        let result = try child.wait()
        #expect(result.output.contains("pppd version \(try PluginBuild.headerVersion())"), "\(result.output)")
    }

    /// Socket paths the option must refuse, each with its own message; pppd
    /// then exits with its option-error code.
    @Test(arguments: ["missing", "refused", "relative", "too long"])
    func badSocketPathIsAnOptionError(_ kind: String) throws {
        let build = try PluginBuild.require()
        let directory = try BridgeListener()  // for its fresh directory
        let path: String
        let expected: String
        defer { if kind == "refused" { unlink(path) } }
        switch kind {
        case "missing":
            path = directory.directory + "/nobody.sock"
            expected = "sstp-bridge-socket: cannot connect to \(path): No such file or directory"
        case "refused":
            // A socket file nobody listens on.
            path = directory.directory + "/stale.sock"
            close(try BridgeListener.boundSocket(path))
            expected = "sstp-bridge-socket: cannot connect to \(path): Connection refused"
        case "relative":
            path = "bridge.sock"
            expected = "sstp-bridge-socket: bridge.sock is not an absolute path"
        default:
            path = "/" + String(repeating: "d", count: 120) + "/bridge.sock"
            expected = "sstp-bridge-socket: \(path) is too long for a Unix socket path"
        }
        let child = try Child(
            Self.pppd, ["plugin", build.plugin, "sstp-bridge-socket", path, "notty", "nodetach", "debug"])
        let result = try child.wait()
        #expect(result.status == Self.optionError, "\(kind): \(result.output)")
        #expect(result.output.contains(expected), "\(kind): \(result.output)")
    }

    @Test func optionGivenTwiceIsAnOptionError() throws {
        let build = try PluginBuild.require()
        let listener = try BridgeListener()
        let child = try Child(
            Self.pppd,
            [
                "plugin", build.plugin, "sstp-bridge-socket", listener.path, "sstp-bridge-socket", listener.path,
                "notty", "nodetach",
            ])
        let connection = try listener.accept()
        #expect(try connection.next()?.type == .hello)
        #expect(try connection.next() == nil)
        let result = try child.wait()
        #expect(result.status == Self.optionError, "\(result.output)")
        #expect(result.output.contains("sstp-bridge-socket: given more than once"), "\(result.output)")
    }

    /// pppd knows a plugin's options only after its `plugin` word.
    @Test func optionBeforeThePluginIsUnknown() throws {
        let build = try PluginBuild.require()
        let listener = try BridgeListener()
        let child = try Child(
            Self.pppd, ["sstp-bridge-socket", listener.path, "plugin", build.plugin, "notty", "nodetach"])
        let result = try child.wait()
        #expect(result.status == Self.optionError, "\(result.output)")
        #expect(result.output.contains("unrecognized option 'sstp-bridge-socket'"), "\(result.output)")
    }
}
