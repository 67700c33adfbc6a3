import PPP
import SSTPDBus
import SSTPOptions
import SSTPService
import SSTPTunnel
import Testing

/// The table itself, and that every front end applies its ranges the same
/// way (issue 16 item 9: one place for every numeric range).
@Suite struct OptionTableTests {
    static let files = OptionFiles(
        readSecret: { (path) throws(OptionError) in
            if path == "big" { throw OptionError("too big") }
            return "secret:" + path
        },
        checkReadable: { (path) throws(OptionError) in
            if path.hasPrefix("/missing") { throw OptionError("cannot read \(path)") }
        })

    @Test func namesAreUniquePerFrontEnd() {
        let all = OptionTable.all
        #expect(Set(all.map(\.id)).count == all.count)
        let cli = all.compactMap { $0.commandLine?.name }
        #expect(Set(cli).count == cli.count)
        let config = all.compactMap(\.configKey)
        #expect(Set(config).count == config.count)
        let vpn = all.compactMap { $0.vpnData?.name }
        #expect(Set(vpn).count == vpn.count)
        let dbus = all.compactMap { $0.dbus?.name }
        #expect(Set(dbus).count == dbus.count)
        for spec in all {
            #expect(
                spec.commandLine != nil || spec.configKey != nil || spec.vpnData != nil || spec.dbus != nil,
                "\(spec.id) is in no front end")
            #expect(!spec.help.isEmpty, "\(spec.id) has no help")
            if case .flag = spec.commandLine { #expect(spec.kind.isBool, "\(spec.id) is a flag but not a bool") }
            if let key = spec.dbus {
                #expect(["s", "b", "u", "as"].contains(key.signature))
                if key.signature == "b" { #expect(spec.kind.isBool) }
                if key.signature == "as" { #expect(spec.repeatable) }
            }
        }
    }

    /// The names every front end had before the table, unchanged.
    @Test func existingNamesAreKept() {
        let config = Set(OptionTable.all.compactMap(\.configKey))
        #expect(
            config == [
                "server", "user", "password-file", "domain", "ca-cert", "extra-ca", "pin", "tls-min", "tls-max",
                "server-name", "no-sni", "insecure-skip-verify", "proxy", "proxy-user", "proxy-password-file",
                "refuse-pap", "refuse-chap", "refuse-mschap-v2", "refuse-eap", "no-ipv6", "hello-interval",
                "lcp-echo-interval", "lcp-echo-failure", "interface", "mtu", "default-route", "route", "no-dns",
                "verbose", "backend", "pppd-plugin",
                // Added since (issue 16 item 14).
                "allow-weak-auth-without-verify",
                // Added since (issue 14).
                "reconnect", "reconnect-limit", "tcp-user-timeout",
                // Added since (issue 16 item 4).
                "tls-legacy-ciphers",
                // Added since (issue 17).
                "no-queue-management",
                // Added since (issue 15).
                "auth", "client-cert", "client-key", "client-key-password-file", "eap-ca-cert", "eap-server-name",
                // Added since (network-manager-sstp's EAP-TLS keys with an effect).
                "eap-verify-method", "eap-verify-key-usage", "eap-crl", "eap-tls-max", "eap-identity",
            ])
        var dbus: [String: String] = [:]
        for spec in OptionTable.all { if let key = spec.dbus { dbus[key.name] = key.signature } }
        #expect(
            dbus == [
                "server": "s", "user": "s", "password": "s", "domain": "s", "ca-cert": "s", "extra-ca-cert": "s",
                "server-name": "s", "pins": "as", "tls-min": "s", "tls-max": "s", "insecure-skip-verify": "b",
                "no-sni": "b", "proxy": "s", "proxy-user": "s", "proxy-password": "s", "password-file": "s",
                "allow-weak-auth-without-verify": "b",
                "proxy-password-file": "s", "refuse": "as", "ipv6": "b", "interface": "s", "mtu": "u",
                "default-route": "b", "routes": "as", "dns": "b", "hello-interval": "u", "backend": "s",
                // Added since (issue 14).
                "reconnect": "b", "reconnect-limit": "u", "tcp-user-timeout": "u",
                // Added since (issue 16 item 4).
                "tls-legacy-ciphers": "b",
                // Added since (issue 15).
                "auth": "s", "client-cert": "s", "client-key": "s", "client-key-password-file": "s",
                "eap-ca-cert": "s", "eap-server-name": "s",
                // Added since (network-manager-sstp's EAP-TLS keys with an effect).
                "eap-verify-method": "s", "eap-verify-key-usage": "b", "eap-crl": "s", "eap-tls-max": "s",
                "eap-identity": "s",
            ])
    }

    func build(_ id: String, _ text: String, _ frontEnd: OptionFrontEnd) throws(OptionFailure) -> OptionTarget {
        guard let spec = OptionTable.spec(id) else { throw OptionFailure(name: id, reason: "no such entry") }
        return try OptionTable.build([OptionInput(spec: spec, text: text, from: frontEnd)], files: Self.files)
    }

    @Test(arguments: [OptionFrontEnd.commandLine, .configFile, .vpnData, .dbus])
    func helloIntervalRangeEverywhere(_ frontEnd: OptionFrontEnd) throws {
        for bad in ["0", "3601", "9300000000000000", "-1", "1e3", " 5", "99999999999999999999999"] {
            #expect(throws: OptionFailure.self, "\(bad)") { try build("hello-interval", bad, frontEnd) }
        }
        #expect(try build("hello-interval", "1", frontEnd).hello == .seconds(1))
        #expect(try build("hello-interval", "3600", frontEnd).hello == .seconds(3600))
    }

    @Test func failureNamesTheOptionAsTheFrontEndSpellsIt() throws {
        for (frontEnd, name) in [
            (OptionFrontEnd.commandLine, "--mtu"), (.configFile, "mtu"), (.vpnData, "vpn.data mtu"),
            (.dbus, "option \"mtu\""),
        ] {
            do {
                _ = try build("mtu", "100", frontEnd)
                Issue.record("mtu 100 accepted")
            } catch {
                #expect(error.name == name)
                #expect(error.reason.contains("576 to 4087"))
            }
        }
    }

    @Test func invertedBooleans() throws {
        #expect(try build("no-ipv6", "no", .vpnData).requestIPv6 == false)
        #expect(try build("no-ipv6", "yes", .vpnData).requestIPv6 == true)
        #expect(try build("no-ipv6", "yes", .commandLine).requestIPv6 == false)
        #expect(try build("no-dns", "no", .dbus).configureDNS == false)
        #expect(try build("no-sni", "no", .vpnData).tls.sni == false)
        // vpn.data takes only yes and no, as nm-plugin's check does.
        #expect(throws: OptionFailure.self) { try build("no-ipv6", "true", .vpnData) }
        #expect(try build("no-ipv6", "TRUE", .configFile).requestIPv6 == false)
    }

    @Test func filesAreCheckedAndSecretsRead() throws {
        #expect(throws: OptionFailure.self) { try build("ca-cert", "/missing/ca.pem", .commandLine) }
        #expect(try build("ca-cert", "file:///etc/ca.pem", .vpnData).tls.trust == .caFile("/etc/ca.pem"))
        #expect(try build("password-file", "p", .commandLine).password == "secret:p")
        #expect(throws: OptionFailure.self) { try build("password-file", "big", .configFile) }
    }

    @Test func hostPort() throws {
        #expect(try HostPort.parse("[fe80::1]:444", defaultPort: 443) == ("fe80::1", 444))
        #expect(try HostPort.parse("[fe80::1]", defaultPort: 443) == ("fe80::1", 443))
        #expect(try HostPort.parse("fe80::1", defaultPort: 443) == ("fe80::1", 443))
        #expect(try HostPort.parse("vpn:8443", defaultPort: 443) == ("vpn", 8443))
        for bad in ["vpn:0", "vpn:65536", "vpn:", ":443", "[::1]x", "[::1", "[]:1", "", "vpn:+1"] {
            #expect(throws: OptionError.self, "\(bad)") { try HostPort.parse(bad, defaultPort: 443) }
        }
    }

    @Test func userNameLimit() throws {
        var target = OptionTarget()
        target.host = "vpn"
        target.user = String(repeating: "u", count: 255)
        _ = try target.finish(keepalive: .failureAtLeastOne)
        target.user = String(repeating: "u", count: 256)
        #expect(throws: OptionTarget.Incomplete.self) { try target.finish(keepalive: .failureAtLeastOne) }
        target.refused = [.pap]
        _ = try target.finish(keepalive: .failureAtLeastOne)
        #expect(UserNameLimit.bytes(accepting: [.chapMD5, .mschapv2, .eapMSCHAPv2]) == 1441)
        target.user = String(repeating: "u", count: 1442)
        #expect(throws: OptionTarget.Incomplete.self) { try target.finish(keepalive: .failureAtLeastOne) }
    }

    @Test func passwordLimitWithPAP() throws {
        var target = OptionTarget()
        target.host = "vpn"
        target.user = "alice"
        target.password = String(repeating: "p", count: 255)
        _ = try target.finish(keepalive: .failureAtLeastOne)
        target.password = String(repeating: "p", count: 256)
        #expect(throws: OptionTarget.Incomplete.self) { try target.finish(keepalive: .failureAtLeastOne) }
        target.refused = [.pap]
        _ = try target.finish(keepalive: .failureAtLeastOne)
    }

    @Test func clientSettersRunLast() throws {
        var target = OptionTarget()
        target.host = "vpn"
        target.user = "alice"
        target.mtu = 1300
        target.client { $0.mtu = 1200 }
        target.client { $0.tls.sni = false }
        let options = try target.finish(keepalive: .failureAtLeastOne)
        #expect(options.mtu == 1200)
        #expect(options.tls.sni == false)
    }

    @Test func keepalivePolicies() throws {
        var target = OptionTarget()
        target.host = "vpn"
        target.user = "alice"
        target.lcpEchoInterval = 30
        #expect(try target.finish(keepalive: .failureAtLeastOne).ppp.keepalive.failureLimit == 1)
        #expect(try target.finish(keepalive: .bothRequired).ppp.keepalive == .off)
        target.lcpEchoFailure = 4
        #expect(try target.finish(keepalive: .bothRequired).ppp.keepalive.failureLimit == 4)
    }
}

/// The NetworkManager and D-Bus front ends read the same table.
@Suite struct FrontEndTests {
    @Test func vpnDataRangesComeFromTheTable() throws {
        for (key, value) in [("hello-interval", "0"), ("mtu", "70000"), ("lcp-echo-interval", "3601"), ("unit", "x")] {
            var settings = NMVPNSettings(
                data: ["gateway": "vpn", "user": "alice", key: value], secrets: [:], userName: nil)
            #expect(throws: NMVPNSettings.Invalid.self, "\(key)=\(value)") { try settings.clientOptions() }
            do {
                _ = try settings.clientOptions()
            } catch {
                #expect(error.description.contains("vpn.data \(key)"))
            }
        }
        var good = NMVPNSettings(
            data: [
                "gateway": "vpn:444", "user": "alice", "hello-interval": "30", "unit": "3", "mtu": "1300",
                "ipv6": "no", "require-mppe": "yes", "proxy-server": "proxy", "proxy-port": "8080",
                "proxy-user": "p", "domain": "CORP",
            ],
            secrets: ["password": "pw", "proxy-password": "ppw"], userName: nil)
        let options = try good.clientOptions()
        #expect(options.server == "vpn" && options.port == 444)
        #expect(options.sstpTimers.hello == .seconds(30))
        #expect(options.interfaceName == "sstp3")
        #expect(options.mtu == 1300)
        #expect(options.ppp.requestIPv6 == false)
        #expect(options.ppp.userName == "CORP\\alice")
        #expect(options.ppp.password == "pw")
        #expect(options.proxy?.host == "proxy" && options.proxy?.port == 8080)
        #expect(options.proxy?.user == "p" && options.proxy?.password == "ppw")
        #expect(options.configureDNS == false && options.configureInterface == false)
        #expect(good.notes.contains { $0.contains("require-mppe=yes has no effect") })
    }

    @Test func dbusRangesComeFromTheTable() throws {
        func options(_ extra: [String: DBusValue]) throws(StandaloneOptions.Invalid) -> ClientOptions {
            var dict: [String: DBusValue] = [
                "server": .string("vpn"), "user": .string("alice"), "password": .string("pw"),
            ]
            for (k, v) in extra { dict[k] = v }
            return try StandaloneOptions.parse(dict)
        }
        #expect(throws: StandaloneOptions.Invalid.self) { try options(["hello-interval": .uint32(0)]) }
        #expect(throws: StandaloneOptions.Invalid.self) { try options(["mtu": .uint32(100)]) }
        #expect(throws: StandaloneOptions.Invalid.self) { try options(["mtu": .string("1400")]) }
        #expect(throws: StandaloneOptions.Invalid.self) { try options(["colour": .string("blue")]) }
        let o = try options([
            "server": .string("[fe80::1]:444"), "hello-interval": .uint32(3600), "ipv6": .boolean(false),
            "dns": .boolean(false), "refuse": .array(elementSignature: "s", [.string("pap"), .string("chap")]),
            "routes": .array(elementSignature: "s", [.string("10.0.0.0/8")]),
        ])
        #expect(o.server == "fe80::1" && o.port == 444)
        #expect(o.sstpTimers.hello == .seconds(3600))
        #expect(o.ppp.requestIPv6 == false)
        #expect(o.configureDNS == false)
        #expect(o.ppp.refusedMethods == [.pap, .chapMD5])
        #expect(o.routes == .networks([(address: [10, 0, 0, 0], prefixLength: 8)]))
    }

    @Test func dbusSecretFilesAreCapped() throws {
        let dict: [String: DBusValue] = [
            "server": .string("vpn"), "user": .string("alice"), "password-file": .string("/dev/zero"),
        ]
        do {
            _ = try StandaloneOptions.parse(dict)
            Issue.record("/dev/zero accepted")
        } catch {
            #expect(error.description.contains("longer than 4096 bytes"))
        }
    }
}
