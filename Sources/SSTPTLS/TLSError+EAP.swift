/// The same TLS errors seen from EAP-TLS or PEAP: the certificate checked
/// is the authentication server's, whose trust settings are the eap-*
/// options, so the advice names those instead of the outer server's.
extension TLSError {
    /// Outer-server advice and what replaces it for the authentication
    /// server (the only CA option there is `--eap-ca-cert`, which also
    /// takes intermediates; there are no pins).
    private static let eapAdvice: [(outer: String, eap: String)] = [
        (" or pin it with --pin", ""),
        ("--extra-ca FILE (or install it on the server)", "--eap-ca-cert FILE (or install it on the server)"),
        ("--extra-ca FILE", "--eap-ca-cert FILE"),
        ("--ca-cert FILE", "--eap-ca-cert FILE"),
        ("Connect with a name the certificate lists", "Give --eap-server-name a name the certificate lists"),
    ]

    /// `description` with the advice naming the EAP options.
    public var eapDescription: String {
        var text = description
        for advice in Self.eapAdvice {
            text = Self.replacing(advice.outer, with: advice.eap, in: text)
        }
        return text
    }

    private static func replacing(_ target: String, with replacement: String, in text: String) -> String {
        var out = ""
        var rest = Substring(text)
        while let range = rest.firstRange(of: target) {
            out += rest[..<range.lowerBound]
            out += replacement
            rest = rest[range.upperBound...]
        }
        return out + rest
    }
}
