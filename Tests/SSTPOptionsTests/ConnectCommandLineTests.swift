import SSTPOptions
import Testing

/// `sstp connect`'s own reading of plain command lines (issue 17, client
/// memory): what it reads, and every form it leaves to ArgumentParser.
@Suite struct ConnectCommandLineTests {
    func values(_ line: [String]) -> [String]? {
        ConnectCommandLine.parse(line)?.values.map { "\($0.id)=\($0.text)" }
    }

    @Test func readsTheBenchmarkLine() throws {
        let parsed = try #require(
            ConnectCommandLine.parse([
                "10.0.0.1", "--user", "alice", "--password-file", "/tmp/p", "--ca-cert", "/tmp/root.pem",
                "--server-name", "sstp.test", "--no-queue-management",
            ]))
        #expect(parsed.config == nil)
        #expect(
            parsed.values.map { "\($0.id)=\($0.text)" } == [
                "server=10.0.0.1", "user=alice", "password-file=/tmp/p", "ca-cert=/tmp/root.pem",
                "server-name=sstp.test", "no-queue-management=yes",
            ])
    }

    @Test func readsEqualsFormsShortFlagsRepeatsAndConfig() throws {
        let parsed = try #require(
            ConnectCommandLine.parse([
                "--config=/etc/sstp/work.conf", "-v", "--route", "10.1.0.0/16", "--route=10.2.0.0/16",
                "--auth", "tls", "vpn.example.com:8443",
            ]))
        #expect(parsed.config == "/etc/sstp/work.conf")
        // --auth is the command-line name of the "connection-type" entry.
        #expect(
            parsed.values.map { "\($0.id)=\($0.text)" } == [
                "verbose=yes", "route=10.1.0.0/16", "route=10.2.0.0/16", "connection-type=tls",
                "server=vpn.example.com:8443",
            ])
    }

    @Test func leavesEverythingElseToArgumentParser() {
        let declined: [[String]] = [
            ["--help"], ["-h"], ["--version"], ["help"], ["host", "help"],
            ["--no-such-option"], ["--test-corrupt-crypto-binding"],
            ["--user", "a", "--user", "b"],  // not repeatable
            ["-v", "--verbose"],  // a flag twice
            ["--user"],  // missing value
            ["--user", "--verbose"], ["--user", "-"], ["--password-file", "-"], ["--user="], ["--user=-x"],
            ["--verbose=yes"],  // a flag takes no value
            ["-vv"], ["-x"], ["-"], ["--"], [""],
            ["host1", "host2"],
            ["--connection-type", "tls"],  // the id, not the command-line name
        ]
        for line in declined {
            #expect(values(line) == nil, "\(line)")
        }
    }

    @Test func readsAnEmptyLine() {
        #expect(values([]) == [])
    }

    @Test func everyCommandLineNameOfTheTableIsRead() {
        for spec in OptionTable.all {
            let line: [String]
            switch spec.commandLine {
            case .option(let n): line = ["--" + n, "x"]
            case .flag(let n, _): line = ["--" + n]
            case .argument: line = ["x"]
            case nil: continue
            }
            let parsed = ConnectCommandLine.parse(line)
            #expect(parsed != nil, "\(spec.id)")
            if spec.id != "config" {
                #expect(parsed?.values.map(\.id) == [spec.id])
            }
        }
    }
}
