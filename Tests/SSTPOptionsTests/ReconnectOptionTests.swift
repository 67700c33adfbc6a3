import SSTPDBus
import SSTPOptions
import SSTPService
import SSTPTunnel
import Testing

/// The reconnect options of issue 14 reach ClientOptions from every front
/// end that has them, with their ranges checked.
@Suite struct ReconnectOptionTests {
    func options(_ pairs: [(String, String)], _ frontEnd: OptionFrontEnd) throws -> ClientOptions {
        var inputs: [OptionInput] = []
        for (id, text) in [("server", "vpn.example"), ("user", "alice")] + pairs {
            let spec = try #require(OptionTable.spec(id))
            inputs.append(OptionInput(spec: spec, text: text, from: frontEnd))
        }
        return try OptionTable.build(inputs, files: OptionTableTests.files).finish(keepalive: .failureAtLeastOne)
    }

    @Test func defaults() throws {
        let o = try options([], .commandLine)
        #expect(o.reconnect == false)
        #expect(o.reconnectLimit == 0)
        #expect(o.tcpUserTimeout == .seconds(15))
        #expect(o.reconnectSettings == .init(enabled: false, limit: 0))
    }

    @Test(arguments: [OptionFrontEnd.commandLine, .configFile, .dbus])
    func setEverywhereButVPNData(_ frontEnd: OptionFrontEnd) throws {
        let o = try options([("reconnect", "yes"), ("reconnect-limit", "5"), ("tcp-user-timeout", "30")], frontEnd)
        #expect(o.reconnect == true)
        #expect(o.reconnectLimit == 5)
        #expect(o.tcpUserTimeout == .seconds(30))
        #expect(o.reconnectSettings == .init(enabled: true, limit: 5))
        #expect(try options([("tcp-user-timeout", "0")], frontEnd).tcpUserTimeout == nil)
        for bad in ["-1", "3601", "x"] {
            #expect(throws: OptionFailure.self) { try options([("tcp-user-timeout", bad)], frontEnd) }
        }
        #expect(throws: OptionFailure.self) { try options([("reconnect-limit", "1000001")], frontEnd) }
    }

    @Test func fromTheConfigFile() throws {
        let text = "server = vpn\nuser = alice\nreconnect = yes\nreconnect-limit = 3\ntcp-user-timeout = 0\n"
        let inputs = try ConfigFileParser.parse(Array(text.utf8), path: "t.conf")
        let o = try OptionTable.build(inputs, files: OptionTableTests.files).finish(keepalive: .failureAtLeastOne)
        #expect(o.reconnectSettings == .init(enabled: true, limit: 3))
        #expect(o.tcpUserTimeout == nil)
    }

    @Test func fromDBusWithItsTypes() throws {
        let base: [String: DBusValue] = ["server": .string("vpn"), "user": .string("alice"), "password": .string("pw")]
        let o = try StandaloneOptions.parse(
            base.merging([
                "reconnect": .boolean(true), "reconnect-limit": .uint32(7), "tcp-user-timeout": .uint32(20),
            ]) { $1 })
        #expect(o.reconnectSettings == .init(enabled: true, limit: 7))
        #expect(o.tcpUserTimeout == .seconds(20))
        #expect(throws: StandaloneOptions.Invalid.self) {
            try StandaloneOptions.parse(base.merging(["reconnect": .string("yes")]) { $1 })
        }
    }

    @Test func noVPNDataKeys() {
        // NetworkManager asks for reconnecting with vpn.persistent.
        for id in ["reconnect", "reconnect-limit", "tcp-user-timeout"] {
            #expect(OptionTable.spec(id)?.vpnData == nil, "\(id)")
        }
    }
}
