import SSTPTLS
import Testing

/// A certificate refusal inside EAP-TLS or PEAP names the eap-* options,
/// never the outer server's --ca-cert, --extra-ca or --pin.
@Suite struct EAPErrorTextTests {
    @Test(arguments: [
        TLSError.untrustedIssuer(root: "CN=Test RADIUS CA", depth: 1),
        .selfSigned(subject: "CN=radius.test"),
        .unableToGetIssuer(certificate: "CN=radius.test", issuer: "CN=Sub CA", depth: 0, presentedCount: 1),
        .unableToGetIssuer(certificate: "CN=radius.test", issuer: "CN=Sub CA", depth: 0, presentedCount: 2),
        .hostnameMismatch(expected: "radius.test", presented: ["other.test"]),
    ])
    func adviceNamesTheEAPOptions(error: TLSError) {
        let text = error.eapDescription
        #expect(text.contains("--eap-ca-cert FILE") || text.contains("--eap-server-name"), "\(text)")
        #expect(!text.contains(" --ca-cert"), "\(text)")
        #expect(!text.contains("--extra-ca"), "\(text)")
        #expect(!text.contains("--pin"), "\(text)")
        #expect(error.description != text, "the outer text is left as it was")
    }
}
