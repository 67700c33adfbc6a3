/// Failures of the crypto layer, each saying what to do.
public enum CryptoError: Error, Hashable, Sendable, CustomStringConvertible {
    /// OpenSSL's legacy provider, which holds MD4 and DES, could not be
    /// loaded into our private library context.
    case legacyProviderMissing(detail: String)
    /// An algorithm OpenSSL could not fetch (name, OpenSSL's message).
    case algorithmUnavailable(name: String, detail: String)
    /// An OpenSSL call failed (which call, OpenSSL's message).
    case openSSLFailure(call: String, detail: String)
    /// An input of the wrong size (what, expected, given).
    case badLength(what: String, expected: Int, actual: Int)

    public var description: String {
        switch self {
        case .legacyProviderMissing(let detail):
            "OpenSSL's \"legacy\" provider could not be loaded (\(detail)). MS-CHAPv2 needs MD4 and DES, "
                + "which OpenSSL 3 keeps in that provider: install the package that ships ossl-modules/legacy.so "
                + "(libssl3 on Debian), or point OPENSSL_MODULES at the folder that holds it"
        case .algorithmUnavailable(let name, let detail):
            "OpenSSL has no \(name) (\(detail))"
        case .openSSLFailure(let call, let detail):
            "OpenSSL \(call) failed (\(detail))"
        case .badLength(let what, let expected, let actual):
            "\(what) must be \(expected) bytes, got \(actual)"
        }
    }
}
