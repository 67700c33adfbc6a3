import PPP
import SSTPCall
import SSTPCrypto
import XCTest

/// The server's authenticator in EAP pass-through (RFC 3748 §2.3, RFC 3579
/// §2) against a stand-in RADIUS server: our client's EAP-MSCHAPv2 goes
/// through it, and the HLAK the server builds from the MS-MPPE keys must
/// pass the SSTP crypto binding check (MS-SSTP 3.3.5.2.3).
final class EAPPassThroughCallTests: XCTestCase {
    private func pair(
        password: String = "secret", layout: HigherLayerAuthenticationKey.EAPKeyLayout = .masterSessionKey
    )
        -> CallPair
    {
        var pair = CallPair(methods: [.eapMSCHAPv2], password: password, delivery: .byteAtATime)
        pair.serverPPP.eapPassThrough = EAPPassThrough(keyLayout: layout, serverName: "RADIUS 127.0.0.1:1812")
        pair.eapBackend = EAPMSCHAPv2Backend(users: ["alice": "secret"])
        return pair
    }

    func testClientAuthenticatesThroughTheBackendAndTheBindingVerifies() {
        var pair = pair()
        pair.connect()
        XCTAssertNil(pair.clientEnd)
        XCTAssertNil(pair.serverEnd)
        XCTAssertTrue(pair.clientProgress.contains(.callConnected))
        XCTAssertTrue(pair.server.cryptoBindingVerified, "the HLAK from the MS-MPPE keys matches the client's")
        // Identity, the Challenge's Response, the Success acknowledgement.
        XCTAssertEqual(pair.eapBackend?.responses.count, 3)
        XCTAssertEqual(pair.eapBackend?.responses.first?[4], 1, "the Identity Response goes first")
        XCTAssertTrue(pair.clientSendsIP(CallTests.ipv4Packet))
        XCTAssertEqual(pair.serverReceived, [CallTests.ipv4Packet])
    }

    /// The test can fail: with the other MSK layout the HLAK differs and the
    /// server must refuse the binding.
    func testAWrongKeyLayoutFailsTheBinding() {
        var pair = pair(layout: .truncatedMasterKeys)
        pair.connect()
        pair.runUntilEnded()
        XCTAssertFalse(pair.server.cryptoBindingVerified)
        XCTAssertFalse(pair.clientProgress.contains(.callConnected) && pair.clientEnd == nil)
    }

    func testRejectionEndsWithTheBackendsReason() {
        var pair = pair(password: "wrong")
        pair.connect()
        pair.runUntilEnded()
        guard case .ppp(.authenticationFailed(let message, _))? = pair.serverEnd?.failure else {
            return XCTFail("\(String(describing: pair.serverEnd))")
        }
        XCTAssertTrue(message.contains("RADIUS Access-Reject"), message)
        XCTAssertTrue(message.contains("Wrong password"), message)
        guard case .ppp(.authenticationFailed)? = pair.clientEnd?.failure else {
            return XCTFail("\(String(describing: pair.clientEnd))")
        }
        XCTAssertFalse(pair.server.cryptoBindingVerified)
    }

    func testUnreachableBackendFailsAuthenticationWithItsReason() {
        var pair = pair()
        pair.eapBackend?.unreachable = true
        pair.connect()
        pair.runUntilEnded()
        guard case .ppp(.authenticationFailed(let message, _))? = pair.serverEnd?.failure else {
            return XCTFail("\(String(describing: pair.serverEnd))")
        }
        XCTAssertEqual(message, "the RADIUS server did not answer")
        XCTAssertEqual(pair.eapBackend?.responses.count, 1)
        guard case .ppp(.authenticationFailed)? = pair.clientEnd?.failure else {
            return XCTFail("\(String(describing: pair.clientEnd))")
        }
    }
}
