import SSTPOptions
import Testing

/// The --config parser (issue 16 items 8 and 11): every refusal names the
/// file, the line and the option, and no input traps.
@Suite struct ConfigFileParserTests {
    func parse(_ text: String) throws(OptionFailure) -> [OptionInput] {
        try ConfigFileParser.parse(Array(text.utf8), path: "work.conf")
    }

    func refusal(_ text: String) -> OptionFailure? {
        do {
            _ = try parse(text)
            return nil
        } catch {
            return error
        }
    }

    @Test(arguments: ["=", "  =  ", "= # x", "=value", " = yes"])
    func lineWithoutAName(_ line: String) throws {
        let failure = try #require(refusal("server = a\n" + line + "\n"))
        #expect(failure.location == "work.conf:2")
        #expect(failure.description.contains("no option name"))
    }

    @Test func goodFile() throws {
        let inputs = try parse(
            "# profile\r\nserver = vpn.example.com:444 # the server\n\nuser=alice\nno-ipv6\npin = sha256:"
                + String(repeating: "A", count: 43) + "=\npin = sha256:" + String(repeating: "B", count: 43)
                + "=\nhello-interval = 3600\n")
        #expect(inputs.map(\.spec.id) == ["server", "user", "no-ipv6", "pin", "pin", "hello-interval"])
        #expect(inputs[0].text == "vpn.example.com:444")
        #expect(inputs[2].text == "yes")
        #expect(inputs[5].location == "work.conf:8")
    }

    @Test(arguments: [
        ("mtu = abc", "mtu"), ("hello-interval = xyz", "hello-interval"), ("hello-interval = 0", "hello-interval"),
        ("default-route = maybe", "default-route"), ("lcp-echo-failure = -1", "lcp-echo-failure"),
        ("route = 10.0.0.1", "route"), ("tls-max = 1.4", "tls-max"), ("pin = md5:xyz", "pin"),
        ("interface = a/b", "interface"), ("server = host:0", "server"), ("server = [::1", "server"),
        ("mtu", "mtu"), ("user =", "user"),
    ])
    func badValue(_ line: String, _ option: String) throws {
        let failure = try #require(refusal("user = a\n\(line)\n"))
        #expect(failure.location == "work.conf:2")
        #expect(failure.name == option)
    }

    @Test func unknownKeyAndPassword() throws {
        let unknown = try #require(refusal("colour = blue\n"))
        #expect(unknown.description == "work.conf:1: \"colour\": unknown option")
        let password = try #require(refusal("\n\npassword = hunter2\n"))
        #expect(password.description.contains("work.conf:3"))
        #expect(password.description.contains("give password-file, not the password itself"))
        // Keys of other front ends are not config keys.
        #expect(refusal("gateway = x\n") != nil)
        #expect(refusal("config = other.conf\n") != nil)
    }

    @Test func tooLarge() {
        #expect(refusal(String(repeating: "#", count: ConfigFileParser.maxBytes + 1)) != nil)
    }

    @Test func oddBytesNeverTrap() {
        for text in ["\u{0}", "=\u{0}=", "\n\n=\n", "#=\n=#", "\u{FEFF}server = x", "server = = =", "\r=\r"] {
            _ = refusal(text)
        }
    }
}
