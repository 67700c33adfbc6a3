import PPP
import SSTPPlatform
import SSTPTunnel
import Testing

@testable import SSTPService
@testable import SSTPTLS

/// Failure messages are written once, with the command's flags, and read in
/// the terms of whoever shows them (issue 16 item 6).
@Suite struct FrontEndTests {
    static let pin = "sha256:" + String(repeating: "A", count: 43) + "="

    /// The certificate failures a NetworkManager user meets, rendered for
    /// each front end.
    static func certificateFailures() throws -> [TLSError] {
        let p = try TLSPin(parsing: pin)
        return [
            .selfSigned(subject: "CN=vpn"),
            .untrustedIssuer(root: "CN=Root", depth: 1),
            .unableToGetIssuer(certificate: "CN=vpn", issuer: "CN=Int", depth: 0, presentedCount: 1),
            .unableToGetIssuer(certificate: "CN=vpn", issuer: "CN=Int", depth: 0, presentedCount: 2),
            .pinMismatch(expected: [p], certificate: p, publicKey: p),
            .invalidVersionRange(minimum: .tls13, maximum: .tls12),
            .trustStoreError(detail: "x"),
            .handshakeAlert(code: 112, description: "unrecognized name"),
        ]
    }

    @Test func networkManagerMessagesNameVPNDataKeysNotFlags() throws {
        for error in try Self.certificateFailures() {
            let cli = error.description
            let nm = error.description(for: .networkManager)
            #expect(cli.contains("--"), "\(cli)")
            #expect(!nm.contains("--"), "\(nm)")
            #expect(nm.contains("vpn.data "), "\(nm)")
        }
        let selfSigned = TLSError.selfSigned(subject: "CN=vpn").description(for: .networkManager)
        #expect(selfSigned.contains("vpn.data ca-cert=FILE"), "\(selfSigned)")
        #expect(selfSigned.contains("vpn.data cert-pin"), "\(selfSigned)")
        let missing = TLSError.unableToGetIssuer(certificate: "CN=vpn", issuer: "CN=Int", depth: 0, presentedCount: 1)
        #expect(missing.description(for: .networkManager).contains("vpn.data extra-ca-cert=FILE"))
        let sni = TLSError.handshakeAlert(code: 112, description: "unrecognized name")
        #expect(sni.description(for: .networkManager).contains("vpn.data tls-ext=no"))
    }

    @Test func dbusMessagesNameConnectOptions() throws {
        for error in try Self.certificateFailures() {
            let text = error.description(for: .dbus)
            #expect(!text.contains("--"), "\(text)")
            #expect(text.contains("option "), "\(text)")
        }
        #expect(TLSError.selfSigned(subject: "CN=vpn").description(for: .dbus).contains("option pins"))
    }

    @Test func commandLineMessagesAreUnchanged() throws {
        for error in try Self.certificateFailures() {
            #expect(error.description(for: .cli) == error.description)
        }
    }

    @Test func tunnelFailuresRenderTheirTLSPart() {
        let failure = TunnelFailure.tls(.selfSigned(subject: "CN=vpn"))
        let nm = failure.description(for: .networkManager)
        #expect(nm.hasPrefix("TLS: "))
        #expect(nm.contains("vpn.data cert-pin") && !nm.contains("--pin"), "\(nm)")
        #expect(failure.description(for: .cli).contains("--pin"))
    }

    @Test func onlyWholeFlagsAreReplaced() {
        #expect(FrontEnd.networkManager.render("use --pins here") == "use --pins here")
        #expect(FrontEnd.networkManager.render("try --pin.") == "try vpn.data cert-pin.")
        #expect(
            FrontEnd.networkManager.render("widen --tls-min/--tls-max") == "widen vpn.data tls-min/vpn.data tls-max")
        #expect(FrontEnd.networkManager.render("a -- b --") == "a -- b --")
        #expect(FrontEnd.dbus.render("drop --insecure-skip-verify") == "drop option insecure-skip-verify")
        #expect(FrontEnd.networkManager.render("") == "")
        #expect(
            FrontEnd.networkManager.render("--proxy-user and --proxy")
                == "vpn.data proxy-user and vpn.data proxy-server and proxy-port")
        #expect(FrontEnd.networkManager.render("allow it with --refuse-pap") == "allow it with vpn.data refuse-pap=yes")
        #expect(FrontEnd.dbus.render("--refuse-mschap-v2") == "option refuse (mschapv2)")
    }

    /// Every row names a real setting of its front end: a vpn.data or
    /// vpn.secrets key the plugin knows, a Connect option the D-Bus API
    /// knows.
    @Test func everyRowNamesAKnownSetting() {
        let nmKeys = NMVPNSettings.dataKeys
        for row in FrontEnd.settings {
            let nmWords = row.networkManager.split(separator: " ")
            #expect(nmWords.count >= 2, "\(row)")
            if nmWords.count >= 2 {
                let key = String(nmWords[1].split(separator: "=")[0])
                if nmWords[0] == "vpn.data" {
                    #expect(nmKeys.contains(key), "\(row.cli): vpn.data \(key)")
                } else {
                    #expect(nmWords[0] == "vpn.secrets" && NMVPNSettings.secretKeys.contains(key), "\(row.cli)")
                }
            }
            let dbusWords = row.dbus.split(separator: " ")
            #expect(dbusWords.count >= 2 && dbusWords[0] == "option", "\(row)")
            if dbusWords.count >= 2 {
                let key = String(dbusWords[1].split(separator: "=")[0])
                #expect(StandaloneOptions.types[key] != nil, "\(row.cli): option \(key)")
            }
        }
    }
}
