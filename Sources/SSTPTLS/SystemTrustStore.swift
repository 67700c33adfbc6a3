import CSSTPOpenSSL
import Glibc

/// The system's trust store (`TLSTrust.system`), loaded the cheap way when
/// that trusts the same certificates.
///
/// OpenSSL's default paths (SSL_CTX_set_default_verify_paths) parse the
/// whole bundle file, /usr/lib/ssl/cert.pem on Debian: about 140 CA
/// certificates, 210 KB, tens of milliseconds of CPU per context and
/// hundreds on a loaded machine (bench/README.md). The hashed directory
/// next to it (/usr/lib/ssl/certs) is looked up lazily instead: at
/// verification OpenSSL opens only the file named after the issuer's
/// subject hash. Where the bundle lies inside that directory and the
/// directory holds hashed names, both come from the same certificates
/// (Debian's update-ca-certificates writes the bundle and links each of its
/// certificates by hash), so the directory alone is used. Anywhere else
/// (a bundle elsewhere, a directory without hashes, SSL_CERT_FILE or
/// SSL_CERT_DIR set) OpenSSL's default paths are loaded as they are.
struct SystemTrustStore: Hashable, Sendable {
    /// The bundle file and the hashed directory.
    var file: String
    var directory: String
    /// SSL_CERT_FILE and SSL_CERT_DIR: when either is set, OpenSSL's own
    /// rules apply.
    var fileOverride: String?
    var directoryOverride: String?
    var overridden: Bool { fileOverride != nil || directoryOverride != nil }

    /// OpenSSL's compiled-in locations and the environment now.
    static var current: SystemTrustStore {
        SystemTrustStore(
            file: String(cString: X509_get_default_cert_file()),
            directory: String(cString: X509_get_default_cert_dir()),
            fileOverride: getenv(X509_get_default_cert_file_env()).map { String(cString: $0) },
            directoryOverride: getenv(X509_get_default_cert_dir_env()).map { String(cString: $0) })
    }

    /// How the store will be loaded.
    enum Plan: Equatable {
        /// Only the hashed directory, looked up lazily.
        case hashedDirectory(String)
        /// SSL_CTX_set_default_verify_paths: the bundle parsed now, and the
        /// directory.
        case defaultPaths
    }

    var plan: Plan {
        guard !overridden, let dir = Self.realPath(directory), let bundle = Self.realPath(file),
            bundle.hasPrefix(dir.hasSuffix("/") ? dir : dir + "/"), Self.holdsHashedNames(dir)
        else { return .defaultPaths }
        return .hashedDirectory(directory)
    }

    func load(into ctx: OpaquePointer) throws(TLSError) {
        let loaded: Int32
        switch plan {
        case .hashedDirectory(let dir): loaded = SSL_CTX_load_verify_dir(ctx, dir)
        case .defaultPaths: loaded = SSL_CTX_set_default_verify_paths(ctx)
        }
        guard loaded == 1 else { throw .trustStoreError(detail: lastOpenSSLError()) }
    }

    private static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// Whether `dir` has an entry named the way X509_LOOKUP_hash_dir looks
    /// certificates up: 8 hex digits, a dot, a decimal number (3513523f.0).
    static func holdsHashedNames(_ dir: String) -> Bool {
        guard let stream = opendir(dir) else { return false }
        defer { closedir(stream) }
        while let entry = readdir(stream) {
            let name = withUnsafePointer(to: entry.pointee.d_name) { tuple in
                tuple.withMemoryRebound(to: CChar.self, capacity: MemoryLayout.size(ofValue: tuple.pointee)) {
                    String(cString: $0)
                }
            }
            if isHashedName(name) { return true }
        }
        return false
    }

    static func isHashedName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard bytes.count >= 10, bytes[8] == UInt8(ascii: ".") else { return false }
        let hex = bytes[0..<8].allSatisfy {
            (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains($0)
        }
        return hex && bytes[9...].allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
    }
}
