import CSSTPOpenSSL

/// The subject's parts the EAP name rules and the EAP identity read.
extension X509Text {
    /// The subject in OpenSSL's one-line form ("/C=DE/O=Example/CN=name"),
    /// which pppd's `tls-verify-method subject` compares with the name.
    static func subjectLine(_ cert: OpaquePointer) -> String {
        var buffer = [CChar](repeating: 0, count: 1024)
        guard X509_NAME_oneline(X509_get_subject_name(cert), &buffer, Int32(buffer.count)) != nil else { return "" }
        return text(buffer)
    }

    /// The subject's first common name (2.5.4.3), if any.
    static func commonName(_ cert: OpaquePointer) -> String? {
        entry(cert, NID_commonName)
    }

    /// The subject's first emailAddress (1.2.840.113549.1.9.1), if any.
    static func emailAddress(_ cert: OpaquePointer) -> String? {
        entry(cert, NID_pkcs9_emailAddress)
    }

    private static func entry(_ cert: OpaquePointer, _ nid: Int32) -> String? {
        var buffer = [CChar](repeating: 0, count: 1024)
        guard X509_NAME_get_text_by_NID(X509_get_subject_name(cert), nid, &buffer, Int32(buffer.count)) > 0 else {
            return nil
        }
        let value = text(buffer)
        return value.isEmpty ? nil : value
    }
}
