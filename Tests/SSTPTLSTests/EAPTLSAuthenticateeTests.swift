import CSSTPOpenSSL
@testable import PPP
import SSTPCrypto
import SSTPTLS
import Testing

/// EAP-TLS wired into the PPP client's EAP authenticatee: the OpenSSL
/// engine made by the configured factory, the HLAK cut from the MSK as
/// `eapKeyLayout` says.
@Suite struct EAPTLSAuthenticateeTests {
    let pki: TestPKI

    init() throws {
        pki = try TestPKI.get()
    }

    func authenticatee(layout: PPPEAPKeyLayout = .truncatedMasterKeys, ca: String = "root.pem") throws
        -> EAPAuthenticatee
    {
        let context = try EAPTLSClientContext(
            EAPTLSClientConfiguration(
                caFile: pki.path(ca), serverName: "sstp.test",
                identity: .pem(certificateFile: pki.path("clientauth-chain.pem"), keyFile: pki.path("leaf.key"))))
        return EAPAuthenticatee(
            userName: "alice", password: "", identity: "alice", random: SystemPPPRandom(),
            method: .tls(context.engineFactory), keyLayout: layout)
    }

    /// Feeds one EAP event to the authenticatee as the PPP engine would.
    static func step(_ session: inout EAPAuthenticatee, _ event: EAPTLSPeerEvent) -> [EAPTLSTestServer.Reply] {
        let packet: [UInt8]
        switch event {
        case .request(let identifier, let data):
            packet = PPPControlPacket.serialize(code: EAPCode.request, identifier: identifier, data: data)
        case .success: packet = PPPControlPacket.serialize(code: EAPCode.success, identifier: 0, data: [])
        case .failure: packet = PPPControlPacket.serialize(code: EAPCode.failure, identifier: 0, data: [])
        }
        guard let parsed = try? PPPControlPacket(parsing: packet[...]) else { return [] }
        return session.receive(parsed, now: .zero).compactMap { output -> EAPTLSTestServer.Reply? in
            switch output {
            case .send(let bytes):
                guard let response = try? PPPControlPacket(parsing: bytes[...]) else { return nil }
                return .respond(Array(response.data))
            case .succeeded(let result): return .succeeded(result)
            case .failed(let failure): return .failed(failure)
            default: return nil
            }
        }
    }

    @Test(arguments: [TLS1_2_VERSION, TLS1_3_VERSION], PPPEAPKeyLayout.allCases)
    func successGivesTheHLAKFromTheMSK(version: Int32, layout: PPPEAPKeyLayout) throws {
        var session = try authenticatee(layout: layout)
        let server = try EAPTLSTestServer(pki: pki, version: version)
        let outcome = try server.run { Self.step(&session, $0) }
        guard case .succeeded(let result as PPPAuthenticationResult, let material) = outcome else {
            Issue.record("not authenticated: \(outcome)")
            return
        }
        let msk = Array(material[0..<64])
        #expect(result.higherLayerAuthenticationKey == .eap(msk: msk, layout: layout))
        switch layout {
        case .masterSessionKey:
            #expect(result.higherLayerAuthenticationKey.bytes == Array(msk[0..<32]))
        case .truncatedMasterKeys:
            #expect(result.higherLayerAuthenticationKey.bytes == Array(msk[0..<16] + msk[32..<48]))
        }
        #expect(result.mppeKeys == nil)
    }

    /// RFC 3748 §5.3.1: a Request for EAP-MSCHAPv2 is Nak'd with EAP-TLS.
    @Test func naksOtherMethodsWithEAPTLS() throws {
        var session = try authenticatee(layout: .truncatedMasterKeys)
        let replies = Self.step(&session, .request(identifier: 7, typeAndData: [26, 1, 7, 0, 4]))
        guard case .respond(let data) = replies.first else {
            Issue.record("no Nak: \(replies)")
            return
        }
        #expect(data == [3, 13])
    }

    @Test func untrustedServerFailsTheAuthentication() throws {
        var session = try authenticatee(ca: "other-root.pem")
        let server = try EAPTLSTestServer(pki: pki, version: TLS1_3_VERSION)
        let outcome = try server.run { Self.step(&session, $0) }
        guard case .clientFailed(let failure as PPPFailure) = outcome else {
            Issue.record("expected a failure: \(outcome)")
            return
        }
        guard case .eapServerUntrusted(let method, let detail) = failure else {
            Issue.record("unexpected \(failure)")
            return
        }
        #expect(method == "EAP-TLS")
        #expect(!detail.isEmpty)
    }
}
