import SSTPDBus
import Testing

@testable import SSTPService

/// vpn.persistent (issue 14): a NetworkManager connection marked persistent
/// reconnects; one without it does not.
@Suite struct NMPersistentTests {
    static func connection(persistent: Bool?) -> DBusValue {
        let data = DBusValue.dictionary(
            keySignature: "s", valueSignature: "s",
            [
                .init(.string("gateway"), .string("vpn.example.com")),
                .init(.string("user"), .string("alice")),
            ])
        var vpn: [DBusValue.DictionaryEntry] = [.init(.string("data"), .variant(data))]
        if let persistent { vpn.append(.init(.string("persistent"), .variant(.boolean(persistent)))) }
        return .dictionary(
            keySignature: "s", valueSignature: "a{sv}",
            [.init(.string("vpn"), .dictionary(keySignature: "s", valueSignature: "v", vpn))])
    }

    @Test(arguments: [(true, true), (false, false)])
    func persistentTurnsReconnectOn(persistent: Bool, reconnect: Bool) throws {
        var settings = try NMVPNSettings(connection: Self.connection(persistent: persistent))
        #expect(settings.persistent == persistent)
        #expect(try settings.clientOptions().reconnect == reconnect)
    }

    @Test func withoutTheKeyNoReconnect() throws {
        var settings = try NMVPNSettings(connection: Self.connection(persistent: nil))
        #expect(try !settings.clientOptions().reconnect)
    }
}
