import Foundation
import PPPDBridge
import Testing

/// The plugin against the service's side of the protocol, without pppd:
/// nm-plugin/pppd/tests/fakepppd.c loads the built plugin like pppd and
/// fires what a connection would; this side decodes every message with
/// `BridgeDeframer`, answers, and checks the exact sequence.
@Suite struct HarnessContractTests {
    static let password = "correct horse ⚡ battery"
    static let sendKey: [UInt8] = Array(0x10...0x1f)
    static let receiveKey: [UInt8] = Array(0xa0...0xaf)

    /// Starts the harness in `scenario` with a listener for it.
    static func start(_ scenario: String) throws -> (BridgeListener, Child) {
        let build = try PluginBuild.require()
        let listener = try BridgeListener()
        let child = try Child(build.harness, [build.plugin, listener.path, scenario])
        return (listener, child)
    }

    @Test func wholeConversation() throws {
        let (listener, child) = try Self.start("conversation")
        let connection = try listener.accept()
        let version = try PluginBuild.headerVersion()
        #expect(connection.peerPID() == child.pid)

        #expect(
            try connection.next()
                == .hello(
                    pppdVersion: version, pid: UInt32(child.pid), protocolVersion: 1,
                    options: ["sstp-bridge-socket=\(listener.path)", "user=alice", "ipparam=sstp-test"]))
        #expect(try connection.next() == .phase(2))
        #expect(try connection.next() == .phase(4))
        #expect(try connection.next() == .phase(5))
        // The CHAP hook: the password crosses the socket.
        #expect(try connection.next() == .passwordRequest(user: "alice"))
        try connection.send(.password(Self.password))
        // The PAP hook: refused, so the hook returns -1 (checked below).
        #expect(try connection.next() == .passwordRequest(user: "alice"))
        try connection.send(.passwordRefused(reason: "the user cancelled"))

        #expect(try connection.next() == .authUp(sendKey: Self.sendKey, receiveKey: Self.receiveKey))
        // pppd is held in auth-up: nothing at all arrives before AUTH_ACK.
        #expect(try connection.isSilent(for: .milliseconds(600)))
        // Meanwhile the password has been delivered; it is in neither the
        // harness's command line nor its environment.
        let secret = Array(Self.password.utf8)
        let commandLine = child.procFile("cmdline")
        #expect(contains(commandLine, Array("conversation".utf8)), "could not read /proc/\(child.pid)/cmdline")
        #expect(!contains(commandLine, secret))
        #expect(!contains(child.procFile("environ"), secret))
        try connection.send(.authAck)

        #expect(try connection.next() == .phase(7))
        #expect(try connection.next() == .phase(8))
        #expect(
            try connection.next()
                == .ipUp(
                    interface: "ppp0", local: [10, 0, 0, 2], peer: [10, 0, 0, 1],
                    dns: [[192, 0, 2, 53], [192, 0, 2, 54]], mtu: 1400))
        // The identifiers byte for byte as the harness put them in
        // ourid/hisid: fe80::211:22ff:fe33:4455 and fe80::8bb:ccff:fedd:ee01.
        #expect(
            try connection.next()
                == .ipv6Up(
                    interface: "ppp0", localIdentifier: [0x02, 0x11, 0x22, 0xff, 0xfe, 0x33, 0x44, 0x55],
                    peerIdentifier: [0x0a, 0xbb, 0xcc, 0xff, 0xfe, 0xdd, 0xee, 0x01]))
        #expect(try connection.next() == .phase(9))
        #expect(try connection.next() == .phase(10))
        #expect(try connection.next() == .phase(0))
        #expect(try connection.next() == .exit(status: 16))
        #expect(try connection.next() == nil)

        let result = try child.wait()
        #expect(result.status == 0, "\(result.output)")
        #expect(!result.stdout.contains("FAIL"), "\(result.stdout)")
        #expect(result.stdout.contains("harness: chap_passwd_hook = 1, \(secret.count) bytes"))
        #expect(result.stdout.contains("harness: chap password \(hex(secret))"))
        #expect(result.stdout.contains("harness: pap_passwd_hook = -1"))
        #expect(result.stdout.contains("the service gave no password for alice: the user cancelled"))
        #expect(try Self.authUpMilliseconds(result.stdout) >= 600)
        #expect(result.stdout.contains("harness: done"))
    }

    @Test func noKeysInventedPeerAndOneDNSServer() throws {
        let (listener, child) = try Self.start("invented-peer")
        let connection = try listener.accept()
        // No `user` or `ipparam` before the option: only the socket.
        #expect(
            try connection.next()
                == .hello(
                    pppdVersion: try PluginBuild.headerVersion(), pid: UInt32(child.pid), protocolVersion: 1,
                    options: ["sstp-bridge-socket=\(listener.path)"]))
        #expect(try connection.next() == .phase(4))
        #expect(try connection.next() == .authUp(sendKey: nil, receiveKey: nil))
        try connection.send(.authAck)
        // 10.64.64.67 is pppd's made-up peer for unit 3: not reported.
        #expect(
            try connection.next()
                == .ipUp(interface: "ppp3", local: [172, 16, 0, 9], peer: nil, dns: [[192, 0, 2, 9]], mtu: 1500))
        #expect(try connection.next() == .exit(status: 5))
        #expect(try connection.next() == nil)
        let result = try child.wait()
        #expect(result.status == 0, "\(result.output)")
    }

    @Test func failureAtAuthUpEndsPPPD() throws {
        let (listener, child) = try Self.start("auth-up")
        let connection = try listener.accept()
        #expect(try connection.next()?.type == .hello)
        #expect(try connection.next() == .authUp(sendKey: Self.sendKey, receiveKey: Self.receiveKey))
        try connection.send(.failure("the server refused the crypto binding"))
        // fatal() -> die(1) -> exitnotify: EXIT 1, then EOF.
        #expect(try connection.next() == .exit(status: 1))
        #expect(try connection.next() == nil)
        let result = try child.wait()
        #expect(result.status == 1, "\(result.output)")
        #expect(
            result.stdout.contains(
                "fatal: sstp-pppd-bridge: the service failed the connection: the server refused the crypto binding"))
    }

    @Test func eofAtAuthUpEndsPPPD() throws {
        let (listener, child) = try Self.start("auth-up")
        let connection = try listener.accept()
        #expect(try connection.next()?.type == .hello)
        #expect(try connection.next()?.type == .authUp)
        connection.close()
        let result = try child.wait()
        #expect(result.status == 1, "\(result.output)")
        #expect(result.stdout.contains("the service closed the connection while pppd waited for AUTH_ACK"))
    }

    @Test func passwordLengthLimits() throws {
        let (listener, child) = try Self.start("passwords")
        let connection = try listener.accept()
        #expect(try connection.next()?.type == .hello)
        // MAXSECRETLEN is 256 with the NUL: 255 bytes fit, 256 do not.
        #expect(try connection.next() == .passwordRequest(user: "bob"))
        try connection.send(.password(String(repeating: "a", count: 255)))
        #expect(try connection.next() == .passwordRequest(user: "bob"))
        try connection.send(.password(String(repeating: "b", count: 256)))
        #expect(try connection.next() == .passwordRequest(user: "bob"))
        try connection.send(.password(""))
        #expect(try connection.next() == .exit(status: 0))
        #expect(try connection.next() == nil)
        let result = try child.wait()
        #expect(result.status == 0, "\(result.output)")
        let hooks = result.stdout.split(separator: "\n").filter { $0.hasPrefix("harness: chap_passwd_hook") }
        #expect(
            hooks == [
                "harness: chap_passwd_hook = 1, 255 bytes", "harness: chap_passwd_hook = -1",
                "harness: chap_passwd_hook = 1, 0 bytes",
            ])
        #expect(result.stdout.contains("the password for bob is longer than pppd's 255 bytes; not used"))
    }

    /// Replies the plugin must refuse while it waits for a password: each
    /// ends pppd through fatal() with a message naming the problem.
    static let badReplies: [(String, [UInt8], String)] = [
        ("AUTH_ACK instead", BridgeMessage.authAck.encoded(), "protocol error: AUTH_ACK while waiting for a password"),
        ("FAILURE", BridgeMessage.failure("no such user").encoded(), "the service failed the connection: no such user"),
        ("version 2", [2, 0x83, 0, 0], "unsupported protocol version"),
        ("a plugin's type", BridgeMessage.phase(1).encoded(), "not one the service sends"),
        ("unknown type", [1, 0x99, 0, 0], "not one the service sends"),
        ("body too long", [1, 0x81, 0x0f, 0xfd] + Array(repeating: 0, count: 4093), "longer than the protocol allows"),
        ("truncated attribute", [1, 0x81, 0, 6, 0, 0x11, 0, 9, 0x61, 0x62], "runs past the end of the message"),
        ("PASSWORD without value", [1, 0x81, 0, 0], "required attribute is missing"),
        (
            "two PASSWORDs", [1, 0x81, 0, 10, 0, 0x11, 0, 1, 0x61, 0, 0x11, 0, 1, 0x62],
            "attribute appears twice"
        ),
        ("NUL in PASSWORD", [1, 0x81, 0, 7, 0, 0x11, 0, 3, 0x61, 0, 0x62], "contains a NUL byte"),
        ("PASSWORD not UTF-8", [1, 0x81, 0, 6, 0, 0x11, 0, 2, 0xc3, 0x28], "is not UTF-8"),
        ("REASON missing", [1, 0x82, 0, 0], "protocol error in PASSWORD_REFUSED"),
    ]

    @Test(arguments: 0..<badReplies.count) func badReplyIsFatal(_ index: Int) throws {
        let (name, bytes, expected) = Self.badReplies[index]
        let (listener, child) = try Self.start("passwords")
        let connection = try listener.accept()
        #expect(try connection.next()?.type == .hello)
        #expect(try connection.next() == .passwordRequest(user: "bob"))
        try connection.sendRaw(bytes)
        // EXIT 1 from die(); unless the plugin left part of our bytes unread,
        // when closing its socket resets the connection.
        let last = try connection.next()
        #expect(last == .exit(status: 1) || (last == nil && connection.wasReset), "\(name)")
        #expect(try connection.next() == nil)
        let result = try child.wait()
        #expect(result.status == 1, "\(name): \(result.output)")
        #expect(result.stdout.contains("fatal: sstp-pppd-bridge: "), "\(name): \(result.output)")
        #expect(result.stdout.contains(expected), "\(name): \(result.output)")
    }

    @Test func eofInsideAReplyIsFatal() throws {
        let (listener, child) = try Self.start("passwords")
        let connection = try listener.accept()
        #expect(try connection.next()?.type == .hello)
        #expect(try connection.next()?.type == .passwordRequest)
        try connection.sendRaw([1, 0x81, 0, 10, 0, 0x11])
        connection.close()
        let result = try child.wait()
        #expect(result.status == 1, "\(result.output)")
        #expect(result.stdout.contains("the connection closed inside a message"), "\(result.output)")
    }

    /// Strings are UTF-8 on the wire: the plugin does not send a HELLO
    /// the service would refuse, and the option fails instead.
    @Test func nonUTF8UserIsAnOptionError() throws {
        let (listener, child) = try Self.start("latin1-user")
        let connection = try listener.accept()
        #expect(try connection.next() == nil)
        let result = try child.wait()
        #expect(result.status == 0, "\(result.output)")
        #expect(result.stdout.contains("cannot send HELLO to the service: a string is not UTF-8"), "\(result.output)")
        #expect(result.stderr.contains("sstp-bridge-socket: cannot send HELLO to \(listener.path): Invalid argument"))
    }

    @Test func pluginWithoutItsOptionStopsPPPD() throws {
        let build = try PluginBuild.require()
        let child = try Child(build.harness, [build.plugin, "-", "no-option"])
        let result = try child.wait()
        #expect(result.status == 1, "\(result.output)")
        #expect(result.stdout.contains("fatal: sstp-pppd-bridge: loaded without the sstp-bridge-socket option"))
    }

    static func authUpMilliseconds(_ stdout: String) throws -> Int {
        let prefix = "harness: auth_up returned after "
        guard let line = stdout.split(separator: "\n").first(where: { $0.hasPrefix(prefix) }),
            let value = Int(line.dropFirst(prefix.count).prefix(while: \.isNumber))
        else { throw TestFailure("no auth_up timing in: \(stdout)") }
        return value
    }
}

func hex(_ bytes: [UInt8]) -> String {
    bytes.map { String(format: "%02x", $0) }.joined()
}
