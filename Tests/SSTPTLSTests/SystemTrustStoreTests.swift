import Foundation
import Testing

@testable import SSTPTLS

/// `TLSTrust.system` loads the hashed directory alone where the bundle lies
/// inside it (Debian's layout), OpenSSL's default paths anywhere else.
@Suite struct SystemTrustStoreTests {
    let fixture: Fixture

    init() throws {
        fixture = try Fixture()
    }

    /// A fresh store directory: the PKI files `bundle` concatenated into
    /// ca-certificates.crt inside it, and each of `hashed` under its
    /// subject hash (as `openssl rehash` names it).
    func store(bundle: [String], hashed: [String]) throws -> SystemTrustStore {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sstp-trust-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let pem = try bundle.map { try String(contentsOfFile: fixture.pki.path($0), encoding: .utf8) }.joined()
        try pem.write(toFile: dir + "/ca-certificates.crt", atomically: true, encoding: .utf8)
        for name in hashed {
            let hash = try fixture.pki.shell("openssl x509 -subject_hash -noout -in \(name)")
            try FileManager.default.copyItem(atPath: fixture.pki.path(name), toPath: "\(dir)/\(hash).0")
        }
        return SystemTrustStore(file: dir + "/ca-certificates.crt", directory: dir)
    }

    func remove(_ store: SystemTrustStore) {
        try? FileManager.default.removeItem(atPath: store.directory)
    }

    func systemTrustConfiguration() -> TLSClientConfiguration {
        var configuration = TLSClientConfiguration(serverName: "sstp.test")
        configuration.trust = .system
        return configuration
    }

    @Test func hashedNames() {
        #expect(SystemTrustStore.isHashedName("3513523f.0"))
        #expect(SystemTrustStore.isHashedName("0a5f2c9e.12"))
        #expect(!SystemTrustStore.isHashedName("3513523F.0"))
        #expect(!SystemTrustStore.isHashedName("3513523f.r0"))
        #expect(!SystemTrustStore.isHashedName("3513523f."))
        #expect(!SystemTrustStore.isHashedName("3513523.0"))
        #expect(!SystemTrustStore.isHashedName("ca-certificates.crt"))
    }

    @Test func directoryOnlyWhereTheBundleIsInsideAHashedDirectory() throws {
        let hashed = try store(bundle: ["root.pem"], hashed: ["root.pem"])
        defer { remove(hashed) }
        #expect(hashed.plan == .hashedDirectory(hashed.directory))

        let unhashed = try store(bundle: ["root.pem"], hashed: [])
        defer { remove(unhashed) }
        #expect(unhashed.plan == .defaultPaths)

        var elsewhere = hashed
        elsewhere.file = fixture.pki.path("root.pem")
        #expect(elsewhere.plan == .defaultPaths)

        var fileSet = hashed
        fileSet.fileOverride = hashed.file
        #expect(fileSet.plan == .defaultPaths)
        var dirSet = hashed
        dirSet.directoryOverride = hashed.directory
        #expect(dirSet.plan == .defaultPaths)

        var missing = hashed
        missing.directory += "/nowhere"
        #expect(missing.plan == .defaultPaths)
    }

    /// The server's root is only in the directory, under its hash; the
    /// bundle holds another CA: the handshake passes, so the directory is
    /// what was trusted.
    @Test func theHashedDirectoryIsLookedUp() throws {
        let trust = try store(bundle: ["other-root.pem"], hashed: ["root.pem"])
        defer { remove(trust) }
        let context = try TLSClientContext(systemTrustConfiguration(), systemTrust: trust)
        let pair = try TLSPair(client: context, server: fixture.server())
        let (client, server) = pair.handshake()
        #expect(client.error == nil)
        #expect(server.error == nil)
    }

    /// Without hashed names the real default paths are loaded, which do not
    /// hold the test root: refused.
    @Test func withoutHashesTheDefaultPathsDecide() throws {
        let trust = try store(bundle: ["root.pem"], hashed: [])
        defer { remove(trust) }
        let context = try TLSClientContext(systemTrustConfiguration(), systemTrust: trust)
        let pair = try TLSPair(client: context, server: fixture.server())
        let (client, _) = pair.handshake()
        #expect(client.error != nil)
    }
}
