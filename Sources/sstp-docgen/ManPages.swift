import SSTPOptions

/// The three pages, from the option table (and README.md's exit statuses).
enum ManPages {
    static func details(_ spec: OptionSpec) -> [String] {
        var lines = [spec.help]
        var facts = ["Type: \(spec.kind.summary)"]
        if !spec.defaultText.isEmpty { facts.append("default: \(spec.defaultText)") }
        if spec.repeatable { facts.append("repeatable") }
        lines.append(facts.joined(separator: "; ") + ".")
        return lines
    }

    static func sstp(exitStatuses: [(String, String)]) -> String {
        var r = Roff(name: "sstp", section: 1, title: "User Commands")
        r.section("name")
        r.line("sstp - an SSTP VPN client (MS-SSTP) with its own PPP")
        r.section("synopsis")
        r.raw("\\fBsstp connect\\fR [\\fIoptions\\fR] [\\fIHOST\\fR[:\\fIPORT\\fR]]")
        r.raw(".br")
        r.raw("\\fBsstp connect \\-\\-config\\fR \\fIFILE\\fR")
        r.section("description")
        r.paragraph(
            "sstp connect opens an SSTP tunnel (PPP inside one HTTPS connection) to the server, configures "
                + "the TUN interface, routes and DNS, and runs until Ctrl-C or SIGTERM; every failure and every "
                + "way down undoes what it set up. Each phase is printed on standard error, and one line with "
                + "the interface, addresses and DNS on standard output once the tunnel is up.")
        r.paragraph(
            "The password is read from a file (\(dash("password-file")), or - for standard input), never from "
                + "the command line or the environment. Every option can also come from a file given with "
                + "--config; see sstp.conf(5).")
        r.section("options")
        for spec in OptionTable.all {
            guard let cli = spec.commandLine else { continue }
            switch cli {
            case .argument(let name):
                r.item(bold: name.uppercased(), details(spec))
            case .flag(let long, let short):
                r.item(bold: (short.map { "-\($0), " } ?? "") + "--" + long, details(spec))
            case .option(let long):
                r.item(bold: "--" + long, italic: spec.valueName, details(spec))
            }
        }
        r.item(bold: "-h, --help", ["Show the options."])
        r.item(bold: "--version", [versionHelp])
        r.section("exit status")
        for (code, meaning) in exitStatuses {
            r.item(bold: code, [meaning])
        }
        r.section("files")
        r.item(bold: "/etc/sstp/NAME.conf", ["A profile for --config (sstp.conf(5))."])
        r.section("see also")
        r.raw("\\fBsstp.conf\\fR(5), \\fBsstp\\-service\\fR(8), \\fBnmcli\\fR(1)")
        return r.text
    }

    /// ArgumentParser's built-in --version, as both commands print it.
    static let versionHelp =
        "Print the version and the git commit it was built from, e.g. 0.1.0 (commit 0123456789ab)."

    static func dash(_ id: String) -> String { "--" + (OptionTable.spec(id)?.commandLine?.name ?? id) }

    static func sstpConf() -> String {
        var r = Roff(name: "sstp.conf", section: 5, title: "File Formats")
        r.section("name")
        r.line("sstp.conf - profile format of sstp connect --config")
        r.section("synopsis")
        r.line("/etc/sstp/NAME.conf")
        r.section("description")
        r.paragraph(
            "sstp connect --config FILE reads options from FILE: one \"name = value\" per line. A # starts a "
                + "comment that runs to the end of the line; blank lines are ignored. A boolean name alone on a "
                + "line means \"name = yes\"; booleans take yes or no (also true/false, on/off, 1/0). A name that "
                + "is repeatable may appear on several lines; for any other name the last line wins. Options on "
                + "the command line win over the file (a repeatable option given on the command line replaces "
                + "the file's list).")
        r.paragraph(
            "Every line is checked when the file is read: an unknown name, a line without a name, a value of "
                + "the wrong type or out of its range, or a file that does not exist (ca-cert, extra-ca, "
                + "password-file) is refused with the file name, the line number and the option, and sstp exits "
                + "with status 64. The password itself is never written in the file: password-file names a file "
                + "(mode 0600) whose first line is the password.")
        r.section("options")
        for spec in OptionTable.all {
            guard let key = spec.configKey else { continue }
            r.item(bold: key, italic: spec.valueName, details(spec))
        }
        r.section("example")
        r.raw(".nf")
        for line in [
            "# /etc/sstp/work.conf", "server = vpn.example.com", "user = alice",
            "password-file = /etc/sstp/work.pass", "ca-cert = /etc/sstp/work-ca.pem", "refuse-pap",
            "route = 10.0.0.0/8",
        ] {
            r.line(line)
        }
        r.raw(".fi")
        r.section("see also")
        r.raw("\\fBsstp\\fR(1), \\fBsstp\\-service\\fR(8)")
        return r.text
    }

    static func sstpService() -> String {
        var r = Roff(name: "sstp-service", section: 8, title: "System Administration")
        r.section("name")
        r.line("sstp-service - SSTP VPN service for NetworkManager and D-Bus")
        r.section("synopsis")
        r.raw("\\fBsstp\\-service\\fR [\\fB\\-\\-bus\\-name\\fR \\fINAME\\fR] [\\fB\\-\\-debug\\fR]")
        r.raw(".br")
        r.raw(
            "\\fBsstp\\-service \\-\\-standalone\\fR [\\fB\\-\\-idle\\-exit\\fR \\fISECONDS\\fR] [\\fB\\-\\-debug\\fR]")
        r.section("description")
        r.paragraph(
            "Without --standalone, sstp-service is NetworkManager's VPN plugin for the sstp type "
                + "(org.freedesktop.NetworkManager.sstp): NetworkManager starts it with a bus name per "
                + "connection and passes the profile's vpn.data and vpn.secrets. With --standalone it owns "
                + "net.sstpclient.Client1 on the system bus for busctl and scripts; D-Bus activation starts it "
                + "on the first call, and it exits when idle. Only root may connect; everyone may read the state.")
        r.section("options")
        r.item(bold: "--bus-name", italic: "NAME", ["The bus name to own (NetworkManager passes one per connection)."])
        r.item(bold: "--standalone", ["Serve net.sstpclient.Client1 instead of the NetworkManager plugin."])
        r.item(
            bold: "--idle-exit", italic: "SECONDS",
            ["Seconds without connections before the standalone service exits (default 30)."])
        r.item(bold: "--debug", ["Log to standard error; keep running after NetworkManager leaves."])
        r.item(bold: "-h, --help", ["Show the options."])
        r.item(bold: "--version", [versionHelp])
        r.section("networkmanager vpn.data keys")
        r.paragraph(
            "Every key of network-manager-sstp 1.3 is accepted with its meaning; keys without effect over "
                + "SSTP with the built-in PPP are noted in the log; unknown keys are refused by name. The "
                + "password and the proxy password are vpn.secrets (password, proxy-password).")
        for spec in OptionTable.all {
            guard let key = spec.vpnData else { continue }
            var lines = details(spec)
            if key.inverted { lines.append("The opposite of sstp connect's --\(spec.commandLine?.name ?? spec.id).") }
            r.item(bold: key.name, italic: spec.valueName, lines)
        }
        r.section("d-bus connect options")
        r.paragraph(
            "net.sstpclient.Client1.Manager.Connect takes an a{sv} of these keys; an unknown key or a wrong "
                + "type is refused by name.")
        for spec in OptionTable.all {
            guard let key = spec.dbus else { continue }
            var lines = details(spec)
            lines.append("D-Bus type: \(key.signature)")
            if key.inverted { lines.append("The opposite of sstp connect's --\(spec.commandLine?.name ?? spec.id).") }
            r.item(bold: key.name, italic: key.signature, lines)
        }
        r.section("see also")
        r.raw("\\fBsstp\\fR(1), \\fBsstp.conf\\fR(5), \\fBNetworkManager\\fR(8), \\fBbusctl\\fR(1)")
        return r.text
    }
}
