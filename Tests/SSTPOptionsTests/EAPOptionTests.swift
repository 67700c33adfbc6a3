import Foundation
import PPP
import SSTPOptions
import SSTPService
import SSTPTLS
import SSTPTunnel
import Testing

/// --auth tls|peap and the EAP-TLS files, through the table to the PPP
/// client configuration.
@Suite struct EAPOptionTests {
    static let files = OptionFiles(
        readSecret: { (path) throws(OptionError) in "pass:" + path },
        checkReadable: { (path) throws(OptionError) in
            if path.hasPrefix("/missing") { throw OptionError("cannot read \(path)") }
        })

    /// A throwaway self-signed certificate and key (openssl CLI), the key
    /// also as an encrypted copy with passphrase "pass:p".
    struct Files {
        let directory: String
        var certificate: String { directory + "/c.pem" }
        var key: String { directory + "/k.pem" }
        var encryptedKey: String { directory + "/ek.pem" }
    }

    static let made: Result<Files, Failure> = {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("sstp-eap-options-\(UUID().uuidString)").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = [
            "-c",
            "set -e; mkdir -p \"$0\"; cd \"$0\"; "
                + "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=client "
                + "-days 2 -keyout k.pem -out c.pem 2>/dev/null; printf %s pass:p > pw; "
                + "openssl pkcs8 -topk8 -v2 aes-256-cbc -in k.pem -out ek.pem -passout file:pw; rm pw",
            directory,
        ]
        do {
            try process.run()
        } catch {
            return .failure(Failure(description: "cannot run openssl: \(error)"))
        }
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return .failure(Failure(description: "openssl failed")) }
        atexit {
            if case .success(let files) = EAPOptionTests.made {
                try? FileManager.default.removeItem(atPath: files.directory)
            }
        }
        return .success(Files(directory: directory))
    }()

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    func options(_ pairs: [(String, String)], _ frontEnd: OptionFrontEnd = .commandLine) throws -> ClientOptions {
        var inputs = [
            OptionInput(spec: try #require(OptionTable.spec("server")), text: "vpn.example", from: frontEnd),
            OptionInput(spec: try #require(OptionTable.spec("user")), text: "alice", from: frontEnd),
        ]
        for (id, text) in pairs {
            inputs.append(OptionInput(spec: try #require(OptionTable.spec(id)), text: text, from: frontEnd))
        }
        let target = try OptionTable.build(inputs, files: Self.files)
        return try target.finish(keepalive: .failureAtLeastOne)
    }

    func incomplete(_ pairs: [(String, String)]) -> OptionTarget.Incomplete? {
        do {
            _ = try options(pairs)
            return nil
        } catch {
            return error as? OptionTarget.Incomplete
        }
    }

    @Test func passwordIsTheDefault() throws {
        let ppp = try options([]).ppp
        guard case .mschapv2 = ppp.eapMethod else {
            Issue.record("EAP method \(ppp.eapMethod) without --auth")
            return
        }
        #expect(ppp.refusedMethods.isEmpty)
    }

    @Test func tlsWithAPEMKey() throws {
        let files = try Self.made.get()
        let ppp = try options([
            ("connection-type", "tls"), ("client-cert", files.certificate), ("client-key", files.key),
            ("eap-server-name", "radius.example"),
        ]).ppp
        guard case .tls = ppp.eapMethod else {
            Issue.record("EAP method \(ppp.eapMethod) with --auth tls")
            return
        }
        // Only EAP: no password method may stand in for the certificate.
        #expect(ppp.acceptedMethods == [.eapMSCHAPv2])
    }

    @Test func encryptedKeyNeedsItsPassphrase() throws {
        let files = try Self.made.get()
        let base = [("connection-type", "tls"), ("client-cert", files.certificate), ("client-key", files.encryptedKey)]
        let missing = incomplete(base)
        #expect(missing?.option == "client-cert")
        #expect(missing?.reason.contains("passphrase") == true)
        // The test's readSecret turns the file name "p" into "pass:p".
        let ppp = try options(base + [("client-key-password-file", "p")]).ppp
        guard case .tls = ppp.eapMethod else {
            Issue.record("EAP method \(ppp.eapMethod) with the passphrase")
            return
        }
        let wrong = incomplete(base + [("client-key-password-file", "q")])
        #expect(wrong?.reason.contains("passphrase is wrong") == true)
    }

    @Test func tlsNeedsCertificateAndKey() throws {
        let files = try Self.made.get()
        #expect(incomplete([("connection-type", "tls")])?.option == "client-cert")
        #expect(incomplete([("connection-type", "tls"), ("client-cert", files.certificate)])?.option == "client-key")
        #expect(
            incomplete([("connection-type", "tls"), ("refuse-eap", "yes")])?.option == "refuse")
    }

    @Test func peapUsesThePasswordAndTheEAPCA() throws {
        let files = try Self.made.get()
        let ppp = try options([("connection-type", "peap"), ("eap-ca-cert", files.certificate)], .configFile).ppp
        guard case .peap = ppp.eapMethod else {
            Issue.record("EAP method \(ppp.eapMethod) with auth = peap")
            return
        }
        #expect(ppp.acceptedMethods == [.eapMSCHAPv2])
        #expect(incomplete([("connection-type", "peap"), ("eap-ca-cert", files.key)])?.option == "eap-ca-cert")
    }

    @Test func vpnDataNamesAreNetworkManagerSSTPs() throws {
        let files = try Self.made.get()
        let ppp = try options(
            [
                ("connection-type", "tls"), ("client-cert", files.certificate), ("client-key", files.key),
                ("eap-ca-cert", files.certificate), ("eap-server-name", "radius.example"),
            ], .vpnData
        ).ppp
        guard case .tls = ppp.eapMethod else {
            Issue.record("EAP method \(ppp.eapMethod) from vpn.data")
            return
        }
        #expect(OptionTable.spec("connection-type")?.vpnData?.name == "connection-type")
        #expect(OptionTable.spec("client-cert")?.vpnData?.name == "tls-user-cert")
        #expect(OptionTable.spec("client-key")?.vpnData?.name == "tls-user-key")
        #expect(OptionTable.spec("eap-ca-cert")?.vpnData?.name == "tls-ca-cert")
        #expect(OptionTable.spec("eap-server-name")?.vpnData?.name == "tls-remotename")
        #expect(OptionTable.spec("connection-type")?.commandLine?.name == "auth")
    }

    /// A NetworkManager EAP-TLS profile: the key passphrase is the secret
    /// tls-user-key-secret, asked for instead of the password.
    @Test func networkManagerTLSProfile() throws {
        let files = try Self.made.get()
        let data = [
            "gateway": "vpn.example", "user": "alice", "connection-type": "tls",
            "tls-user-cert": files.certificate, "tls-user-key": files.encryptedKey,
            "tls-ca-cert": files.certificate, "tls-remotename": "radius.example",
        ]
        var asking = NMVPNSettings(data: data, secrets: [:], userName: nil)
        #expect(asking.needsPassword)
        #expect(throws: NMVPNSettings.Invalid.self) { try asking.clientOptions() }
        var wrong = NMVPNSettings(data: data, secrets: ["tls-user-key-secret": "nope"], userName: nil)
        do {
            _ = try wrong.clientOptions()
            Issue.record("a wrong key passphrase was accepted")
        } catch {
            #expect(error.description.contains("passphrase is wrong"), "\(error)")
            #expect(!error.description.contains("nope"))
        }
        var settings = NMVPNSettings(data: data, secrets: ["tls-user-key-secret": "pass:p"], userName: nil)
        #expect(!settings.needsPassword)
        guard case .tls = try settings.clientOptions().ppp.eapMethod else {
            Issue.record("vpn.data connection-type=tls did not give EAP-TLS")
            return
        }
        var notRequired = data
        notRequired["tls-user-key"] = files.key
        notRequired["tls-user-key-secret-flags"] = "4"
        #expect(!NMVPNSettings(data: notRequired, secrets: [:], userName: nil).needsPassword)
    }
}
