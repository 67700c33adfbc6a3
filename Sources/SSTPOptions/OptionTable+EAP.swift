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
            help: "EAP-TLS and PEAP: the name the authentication server's certificate must be valid for.",
            apply: { t, v throws(OptionError) in t.eap.serverName = v.text }),
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
        let context: EAPTLSClientContext
        do {
            context = try EAPTLSClientContext(eap)
        } catch {
            throw Incomplete(option: auth == "tls" ? "client-cert" : "eap-ca-cert", reason: error.description)
        }
        ppp.eapMethod =
            auth == "tls" ? .tls(context.engineFactory) : .peap(context.engineFactory, requireCryptobinding: false)
        ppp.refusedMethods.formUnion([.pap, .chapMD5, .mschapv2])
    }
}
