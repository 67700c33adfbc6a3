import PPP
import SSTPTLS

// EAP-TLS and PEAP (the PPP authentication inside the tunnel): the method,
// our certificate, and the authentication server's own CA and name,
// separate from the SSTP server's (network-manager-sstp's tls-* keys).
extension OptionTable {
    static let eap: [OptionSpec] = [
        OptionSpec(
            "connection-type", cli: .option("auth"), config: "auth", vpnData: .init("connection-type"),
            dbus: .init("auth", "s"), kind: .choice(["password", "tls", "peap"]), default: "password",
            help: "password (PAP, CHAP, MS-CHAPv2 or EAP-MSCHAPv2), tls (EAP-TLS with a client certificate) "
                + "or peap (PEAP with EAP-MSCHAPv2 inside).",
            apply: { t, v throws(OptionError) in t.auth = v.text }),
        OptionSpec(
            "client-cert", cli: .option("client-cert"), config: "client-cert", vpnData: .init("tls-user-cert"),
            dbus: .init("client-cert", "s"), kind: .path,
            help: "EAP-TLS: our certificate (PEM, then its intermediates), or a PKCS#12 file (.p12, .pfx) "
                + "holding the key too.",
            apply: { t, v throws(OptionError) in t.clientCertificate = v.text }),
        OptionSpec(
            "client-key", cli: .option("client-key"), config: "client-key", vpnData: .init("tls-user-key"),
            dbus: .init("client-key", "s"), kind: .path,
            help: "EAP-TLS: the PEM private key of --client-cert, optionally encrypted.",
            apply: { t, v throws(OptionError) in t.clientKey = v.text }),
        OptionSpec(
            "client-key-password-file", cli: .option("client-key-password-file"),
            config: "client-key-password-file", dbus: .init("client-key-password-file", "s"), kind: .secretFile,
            help: "A file holding the passphrase of the client key or PKCS#12 file (first line); - reads it "
                + "from standard input.",
            apply: { t, v throws(OptionError) in t.eap.keyPassphrase = Array(v.text.utf8) }),
        OptionSpec(
            "eap-ca-cert", cli: .option("eap-ca-cert"), config: "eap-ca-cert", vpnData: .init("tls-ca-cert"),
            dbus: .init("eap-ca-cert", "s"), kind: .path, default: "the system's CA store",
            help: "EAP-TLS and PEAP: trust only these CA certificates (PEM) for the authentication server.",
            apply: { t, v throws(OptionError) in t.eap.caFile = v.text }),
        OptionSpec(
            "eap-server-name", cli: .option("eap-server-name"), config: "eap-server-name",
            vpnData: .init("tls-remotename"), dbus: .init("eap-server-name", "s"), kind: .string(maxBytes: 253),
            valueName: "NAME",
            help: "EAP-TLS and PEAP: the name the authentication server's certificate must be valid for "
                + "(a host name, unless --eap-verify-method says otherwise).",
            apply: { t, v throws(OptionError) in t.eap.serverName = v.text }),
        OptionSpec(
            "eap-verify-method", cli: .option("eap-verify-method"), config: "eap-verify-method",
            vpnData: .init("tls-verify-method"), dbus: .init("eap-verify-method", "s"),
            kind: .choice(EAPServerNameRule.methods), default: "a host name check when a name is given",
            help: "EAP-TLS and PEAP: how --eap-server-name is compared, as pppd 2.5 does: none (the chain "
                + "only), name (the common name is it), subject (the one-line subject, /C=../CN=.., is it) "
                + "or suffix (the common name ends with it).",
            apply: { t, v throws(OptionError) in t.eap.verifyMethod = v.text }),
        OptionSpec(
            "eap-verify-key-usage", cli: .flag("eap-verify-key-usage"), config: "eap-verify-key-usage",
            vpnData: .init("tls-verify-key-usage"), dbus: .init("eap-verify-key-usage", "b"), kind: .bool,
            default: "no",
            help: "EAP-TLS and PEAP: the authentication server's certificate must list serverAuth in its "
                + "extended key usage.",
            apply: { t, v throws(OptionError) in t.eap.requireServerAuthUsage = v == .bool(true) }),
        OptionSpec(
            "eap-crl", cli: .option("eap-crl"), config: "eap-crl", vpnData: .init("crl-file"),
            dbus: .init("eap-crl", "s"), kind: .path,
            help: "EAP-TLS and PEAP: refuse an authentication server whose certificate its CA revoked; the "
                + "file holds that CA's CRL (PEM).",
            apply: { t, v throws(OptionError) in t.eap.crlFile = v.text }),
        OptionSpec(
            "eap-tls-max", cli: .option("eap-tls-max"), config: "eap-tls-max", vpnData: .init("tls-max-version"),
            dbus: .init("eap-tls-max", "s"), kind: .choice(["1.0", "1.1", "1.2", "1.3"]), default: "1.3",
            help: "EAP-TLS: the highest TLS version inside PPP, 1.2 or 1.3 (PEAP always uses 1.2).",
            apply: { t, v throws(OptionError) in
                switch v.text {
                case "1.2": t.eap.maxVersion = .tls12
                case "1.3": t.eap.maxVersion = .tls13
                default:
                    throw OptionError(
                        "TLS \(v.text) is not spoken here: EAP-TLS runs TLS 1.2 or 1.3 (RFC 8996 retired 1.0 and "
                            + "1.1); choose 1.2 or 1.3")
                }
            }),
        OptionSpec(
            "eap-identity", cli: .option("eap-identity"), config: "eap-identity", vpnData: .init("tls-identity"),
            dbus: .init("eap-identity", "s"), kind: .string(maxBytes: 253),
            default: "EAP-TLS: the user, else the certificate's emailAddress or common name; PEAP: the user",
            valueName: "NAME",
            help: "The EAP Identity to send (RFC 3748 §5.1), for example an anonymous outer identity for PEAP.",
            apply: { t, v throws(OptionError) in t.eapIdentity = v.text }),
        OptionSpec(
            "tls-subject-name", vpnData: .init("tls-subject-name"), kind: .string(maxBytes: 253),
            help: "EAP-TLS: the identity network-manager-sstp's editor read from the certificate; sent when "
                + "neither tls-identity nor user is set.",
            apply: { t, v throws(OptionError) in t.certificateSubjectName = v.text }),
    ]
}

extension OptionTarget {
    /// EAP-TLS or PEAP: the engine factory for the PPP client, from the
    /// eap-* and client-* options. A certificate or PEAP profile
    /// authenticates with its method only, never with a password method the
    /// server may offer in its place.
    func configureEAP(_ ppp: inout PPPClientConfiguration) throws(Incomplete) {
        guard auth == "tls" || auth == "peap" else { return }
        guard !refused.contains(.eapMSCHAPv2) else {
            throw Incomplete(option: "refuse", reason: "EAP is refused, but \(auth) authenticates with EAP")
        }
        var eap = eap
        if auth == "tls" {
            guard let certificate = clientCertificate else {
                throw Incomplete(
                    option: "client-cert", reason: "EAP-TLS needs the client certificate: give --client-cert FILE")
            }
            let lower = certificate.lowercased()
            if lower.hasSuffix(".p12") || lower.hasSuffix(".pfx") {
                eap.identity = .pkcs12(file: certificate)
            } else {
                guard let key = clientKey else {
                    throw Incomplete(
                        option: "client-key",
                        reason: "EAP-TLS needs the private key of the certificate: give --client-key FILE")
                }
                eap.identity = .pem(certificateFile: certificate, keyFile: key)
            }
        }
        if auth == "peap" {
            // MS-PEAP defines PEAPv0 over TLS 1.2 and earlier (PEAPPeer
            // refuses 1.3), so a server that offers 1.3 must not get it.
            eap.maxVersion = .tls12
        }
        do {
            _ = try EAPServerNameRule(method: eap.verifyMethod, name: eap.serverName)
        } catch {
            throw Incomplete(option: "eap-verify-method", reason: error.description)
        }
        let context: EAPTLSClientContext
        do {
            context = try EAPTLSClientContext(eap)
        } catch {
            let option =
                switch error {
                case .crlFileError: "eap-crl"
                default: auth == "tls" ? "client-cert" : "eap-ca-cert"
                }
            throw Incomplete(option: option, reason: error.description)
        }
        ppp.eapIdentity = eapIdentity
        if auth == "tls", eapIdentity == nil, user == nil {
            ppp.eapIdentity = certificateSubjectName ?? context.certificateIdentity
        }
        ppp.eapMethod =
            auth == "tls" ? .tls(context.engineFactory) : .peap(context.engineFactory, requireCryptobinding: false)
        ppp.refusedMethods.formUnion([.pap, .chapMD5, .mschapv2])
    }
}
