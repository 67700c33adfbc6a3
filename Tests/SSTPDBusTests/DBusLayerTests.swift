import Foundation
import SSTPPlatform
import Testing

@testable import SSTPDBus

/// The D-Bus layer against real tools on a private bus: what busctl and
/// gdbus send arrives typed, what we send back they print as expected.
@Suite(.serialized) struct DBusLayerTests {
    static let name = "org.example.SSTPTest"

    /// Exports /test with an echo interface, a failing method, a signal, and
    /// a read-write property.
    static func service(_ bus: PrivateBus) -> LoopThread {
        LoopThread(address: bus.address) { loop, connection in
            var counter: UInt32 = 7
            let object = DBusObject(path: "/test", interfaces: [])
            object.interfaces = [
                DBusInterface(
                    "org.example.Echo",
                    methods: [
                        DBusMethod("Echo", in: [.init("value", "v")], out: [.init("value", "v")]) { call in
                            call.arguments
                        },
                        DBusMethod(
                            "EchoSettings", in: [.init("settings", "a{sa{sv}}")], out: [.init("settings", "a{sa{sv}}")]
                        ) {
                            call in call.arguments
                        },
                        DBusMethod("Signature", in: [.init("value", "v")], out: [.init("signature", "s")]) { call in
                            guard case .variant(let inner) = call.arguments[0] else { throw DBusError.invalidArgs("v") }
                            return [.string(inner.signature)]
                        },
                        DBusMethod("Fail") { _ in
                            throw DBusError("org.example.Error.Custom", "it failed on purpose")
                        },
                        DBusMethod("Emit", in: [.init("text", "s")]) { call in
                            try connection.emitSignal(
                                path: "/test", interface: "org.example.Echo", name: "Said", call.arguments)
                            return []
                        },
                        DBusMethod("WhoAmI", out: [.init("uid", "u")], needsCallerUID: true) { call in
                            [.uint32(call.callerUID ?? 99999)]
                        },
                        DBusMethod("WhoAmINot", out: [.init("uid", "u")]) { call in
                            [.uint32(call.callerUID ?? 99999)]
                        },
                        DBusMethod("WhoAmIDeferred", out: [.init("uid", "u")], needsCallerUID: true) { call in
                            let reply = call.deferReply()
                            reply.send(.success([.uint32((call.callerUID ?? 99999) + 1)]))
                            return []
                        },
                        DBusMethod("RefuseMe", needsCallerUID: true) { call in
                            throw DBusError(
                                "org.example.Error.Refused",
                                "uid \(call.callerUID.map(String.init) ?? "unknown") refused")
                        },
                    ],
                    signals: [DBusSignal("Said", [.init("text", "s")])],
                    properties: [
                        DBusProperty(
                            "Counter", "u", get: { .uint32(counter) },
                            set: { value in
                                guard let v = value.uint32Value else { throw DBusError.invalidArgs("u") }
                                counter = v
                            }),
                        DBusProperty("Name", "s", get: { .string("echo") }),
                    ])
            ]
            connection.export(object)
            guard try connection.requestName(DBusLayerTests.name) == .primaryOwner else {
                throw DBusError.failed("name taken")
            }
            _ = loop
        }
    }

    func withService(_ body: (PrivateBus) throws -> Void) throws {
        let bus = try PrivateBus()
        let service = Self.service(bus)
        #expect(service.setupError == nil, "\(service.setupError ?? "")")
        defer { service.stop() }
        try body(bus)
    }

    /// Each value goes out from busctl in a variant and comes back; busctl
    /// prints exactly what it sent.
    @Test func everyTypeRoundTripsThroughBusctl() throws {
        try withService { bus in
            let cases: [(signature: String, args: [String], printed: String)] = [
                ("y", ["200"], "v y 200"),
                ("b", ["true"], "v b true"),
                ("n", ["-5"], "v n -5"),
                ("q", ["65535"], "v q 65535"),
                ("i", ["-2147483648"], "v i -2147483648"),
                ("u", ["4294967295"], "v u 4294967295"),
                ("x", ["-9223372036854775808"], "v x -9223372036854775808"),
                ("t", ["18446744073709551615"], "v t 18446744073709551615"),
                ("d", ["2.5"], "v d 2.5"),
                // busctl prints non-ASCII bytes as octal escapes.
                ("s", ["héllo wörld"], "v s \"h\\303\\251llo w\\303\\266rld\""),
                (
                    "o", ["/org/freedesktop/NetworkManager/VPN/Plugin"],
                    "v o \"/org/freedesktop/NetworkManager/VPN/Plugin\""
                ),
                ("g", ["a{sv}"], "v g \"a{sv}\""),
                ("as", ["2", "a", "b"], "v as 2 \"a\" \"b\""),
                ("ay", ["3", "1", "2", "255"], "v ay 3 1 2 255"),
                ("au", ["2", "16909060", "0"], "v au 2 16909060 0"),
                ("aau", ["1", "4", "1", "2", "3", "4"], "v aau 1 4 1 2 3 4"),
                ("aay", ["2", "1", "7", "0"], "v aay 2 1 7 0"),
                (
                    "a{ss}", ["2", "gateway", "vpn.example.com", "user", "alice"],
                    "v a{ss} 2 \"gateway\" \"vpn.example.com\" \"user\" \"alice\""
                ),
                (
                    "a{sv}", ["2", "mtu", "u", "1400", "tundev", "s", "sstp0"],
                    "v a{sv} 2 \"mtu\" u 1400 \"tundev\" s \"sstp0\""
                ),
                (
                    "a{sa{sv}}", ["1", "vpn", "1", "persistent", "b", "false"],
                    "v a{sa{sv}} 1 \"vpn\" 1 \"persistent\" b false"
                ),
                ("(sub)", ["x", "3", "true"], "v (sub) \"x\" 3 true"),
                ("v", ["s", "inner"], "v v s \"inner\""),
                ("as", ["0"], "v as 0"),
            ]
            for c in cases {
                let (status, out, err) = try bus.busctl(
                    ["call", "--", Self.name, "/test", "org.example.Echo", "Echo", "v", c.signature] + c.args)
                #expect(status == 0, "\(c.signature): \(err)")
                #expect(out.trimmingCharacters(in: .whitespacesAndNewlines) == c.printed, "\(c.signature)")
                let (_, sig, _) = try bus.busctl(
                    ["call", "--", Self.name, "/test", "org.example.Echo", "Signature", "v", c.signature] + c.args)
                #expect(sig.trimmingCharacters(in: .whitespacesAndNewlines) == "s \"\(c.signature)\"")
            }
        }
    }

    @Test func nestedSettingsRoundTripThroughGDBus() throws {
        try withService { bus in
            let settings =
                "{'vpn': {'data': <{'gateway': 'vpn.example.com', 'user': 'alice'}>, 'timeout': <uint32 60>}}"
            let (status, out, err) = try bus.gdbus([
                "call", "--address", bus.address, "--dest", Self.name, "--object-path", "/test", "--method",
                "org.example.Echo.EchoSettings", settings,
            ])
            #expect(status == 0, "\(err)")
            #expect(out.contains("'gateway': 'vpn.example.com'"), "\(out)")
            #expect(out.contains("'timeout': <uint32 60>"), "\(out)")
        }
    }

    @Test func errorsArriveWithTheirNames() throws {
        try withService { bus in
            let (status, _, err) = try bus.gdbus([
                "call", "--address", bus.address, "--dest", Self.name, "--object-path", "/test", "--method",
                "org.example.Echo.Fail",
            ])
            #expect(status != 0)
            #expect(err.contains("org.example.Error.Custom"), "\(err)")
            #expect(err.contains("it failed on purpose"), "\(err)")
            // Wrong argument types are refused with InvalidArgs.
            let (s2, _, e2) = try bus.run(
                "/usr/bin/dbus-send",
                [
                    "--bus=\(bus.address)", "--print-reply", "--dest=\(Self.name)", "/test", "org.example.Echo.Emit",
                    "uint32:42",
                ])
            #expect(s2 != 0)
            #expect(e2.contains("org.freedesktop.DBus.Error.InvalidArgs"), "\(e2)")
            let (s3, _, e3) = try bus.gdbus([
                "call", "--address", bus.address, "--dest", Self.name, "--object-path", "/test", "--method",
                "org.example.Echo.Nope",
            ])
            #expect(s3 != 0)
            #expect(e3.contains("org.freedesktop.DBus.Error.UnknownMethod"), "\(e3)")
        }
    }

    /// Get, GetAll and Set name an interface the object does not have: the
    /// standard UnknownInterface error (D-Bus specification,
    /// org.freedesktop.DBus.Properties), not an empty answer or UnknownProperty.
    @Test func propertiesOfAnUnknownInterfaceAreUnknownInterface() throws {
        try withService { bus in
            let calls: [[String]] = [
                ["org.freedesktop.DBus.Properties.GetAll", "org.example.Nope"],
                ["org.freedesktop.DBus.Properties.Get", "org.example.Nope", "Counter"],
                ["org.freedesktop.DBus.Properties.Set", "org.example.Nope", "Counter", "<uint32 1>"],
            ]
            for call in calls {
                let (status, _, err) = try bus.gdbus(
                    ["call", "--address", bus.address, "--dest", Self.name, "--object-path", "/test", "--method"]
                        + call)
                #expect(status != 0, "\(call)")
                #expect(err.contains("org.freedesktop.DBus.Error.UnknownInterface"), "\(call): \(err)")
            }
            // A known interface with an unknown property stays UnknownProperty.
            let (status, _, err) = try bus.gdbus([
                "call", "--address", bus.address, "--dest", Self.name, "--object-path", "/test", "--method",
                "org.freedesktop.DBus.Properties.Get", "org.example.Echo", "Nope",
            ])
            #expect(status != 0)
            #expect(err.contains("org.freedesktop.DBus.Error.UnknownProperty"), "\(err)")
            // GetAll of a known interface still answers.
            let (okStatus, out, okErr) = try bus.gdbus([
                "call", "--address", bus.address, "--dest", Self.name, "--object-path", "/test", "--method",
                "org.freedesktop.DBus.Properties.GetAll", "org.example.Echo",
            ])
            #expect(okStatus == 0, "\(okErr)")
            #expect(out.contains("'Name': <'echo'>"), "\(out)")
        }
    }

    @Test func signalsAndPropertiesChangedReachAMonitor() throws {
        try withService { bus in
            let monitor = Process()
            monitor.executableURL = URL(fileURLWithPath: "/usr/bin/gdbus")
            monitor.arguments = ["monitor", "--address", bus.address, "--dest", Self.name]
            let out = Pipe()
            monitor.standardOutput = out
            try monitor.run()
            usleep(300_000)
            _ = try bus.busctl(["call", Self.name, "/test", "org.example.Echo", "Emit", "s", "hello there"])
            let (setStatus, _, setErr) = try bus.busctl([
                "set-property", Self.name, "/test", "org.example.Echo", "Counter", "u", "42",
            ])
            #expect(setStatus == 0, "\(setErr)")
            usleep(300_000)
            kill(monitor.processIdentifier, SIGKILL)
            monitor.waitUntilExit()
            let text = String(decoding: out.fileHandleForReading.availableData, as: UTF8.self)
            #expect(text.contains("org.example.Echo.Said ('hello there',)"), "\(text)")
            #expect(
                text.contains(
                    "org.freedesktop.DBus.Properties.PropertiesChanged ('org.example.Echo', {'Counter': <uint32 42>}"),
                "\(text)")
            let (_, value, _) = try bus.busctl(["get-property", Self.name, "/test", "org.example.Echo", "Counter"])
            #expect(value.trimmingCharacters(in: .whitespacesAndNewlines) == "u 42")
            // Read-only properties refuse Set.
            let (s, _, e) = try bus.busctl(["set-property", Self.name, "/test", "org.example.Echo", "Name", "s", "x"])
            #expect(s != 0)
            #expect(e.lowercased().contains("read"), "\(e)")
        }
    }

    @Test func introspectionListsWhatIsDeclared() throws {
        try withService { bus in
            let (status, out, err) = try bus.busctl(["introspect", Self.name, "/test", "org.example.Echo"])
            #expect(status == 0, "\(err)")
            for line in [".Echo", ".EchoSettings", ".Fail", ".Counter", ".Said", ".Name"] {
                #expect(out.contains(line), "\(line) in \(out)")
            }
            #expect(out.contains("a{sa{sv}}"))
            let (_, root, _) = try bus.gdbus([
                "introspect", "--address", bus.address, "--dest", Self.name, "--object-path", "/",
            ])
            #expect(root.contains("node /test") || root.contains("test {"), "\(root)")
        }
    }

    @Test func callerUIDComesFromTheBus() throws {
        try withService { bus in
            let (_, out, _) = try bus.busctl(["call", Self.name, "/test", "org.example.Echo", "WhoAmI"])
            #expect(out.trimmingCharacters(in: .whitespacesAndNewlines) == "u \(getuid())")
        }
    }

    /// Only a method that asks for the uid gets it (no lookup otherwise); a
    /// handler resumed after the lookup may defer its own reply or throw.
    @Test func callerUIDOnlyWhenAskedForAndTheResumedHandlerReplies() throws {
        try withService { bus in
            let trim = { (text: String) in text.trimmingCharacters(in: .whitespacesAndNewlines) }
            let (_, notAsked, _) = try bus.busctl(["call", Self.name, "/test", "org.example.Echo", "WhoAmINot"])
            #expect(trim(notAsked) == "u 99999")
            let (_, deferred, _) = try bus.busctl(["call", Self.name, "/test", "org.example.Echo", "WhoAmIDeferred"])
            #expect(trim(deferred) == "u \(getuid() + 1)")
            let (status, _, err) = try bus.busctl(["call", Self.name, "/test", "org.example.Echo", "RefuseMe"])
            #expect(status != 0)
            #expect(err.contains("uid \(getuid()) refused"), "\(err)")
        }
    }

    /// The lookup does not block: it returns before the answer, which a
    /// later dispatch on the loop delivers.
    @Test func theUIDLookupIsAPendingCall() throws {
        let bus = try PrivateBus()
        let loop = try EventLoop()
        let connection = try DBusConnection.bus(address: bus.address, loop: loop)
        var answer: UInt32??
        connection.lookUpUnixUser(of: connection.uniqueName) { answer = .some($0) }
        #expect(answer == nil, "answered before the loop ran: the lookup blocked")
        let deadline = loop.now + .seconds(10)
        while answer == nil, loop.now < deadline { try loop.runOnce(maximumWait: .milliseconds(50)) }
        #expect(answer == .some(getuid()))
        // The same sender again: its uid is known, answered at once.
        var again: UInt32??
        connection.lookUpUnixUser(of: connection.uniqueName) { again = .some($0) }
        #expect(again == .some(getuid()))
        // Another sender is asked of the bus, as the first was.
        var other: UInt32??
        connection.lookUpUnixUser(of: "org.freedesktop.DBus") { other = .some($0) }
        #expect(other == nil, "a well-known name was answered from the cache")
        connection.close()
    }
}
