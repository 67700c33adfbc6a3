import PPP
import SSTPCall
import SSTPHTTP
import SSTPPlatform
import SSTPSession
import SSTPTLS
import Testing

@testable import SSTPTunnel

/// Which tunnel failures the reconnect policy may retry (issue 14).
@Suite struct ReconnectCauseTests {
    @Test func networkFailuresAreTransient() {
        let failures: [TunnelFailure] = [
            .resolve(host: "vpn.example", SystemError("getaddrinfo", errno: 11)),
            .connect("10.0.0.1:443", SystemError("connect", errno: 111)),
            .timeout("connecting"),
            .tls(.peerClosed(duringHandshake: true)),
            .tls(.syscall(call: "SSL_read", errno: 110)),
            .sstp(.transportClosed("ETIMEDOUT")),
            .sstp(.peerNotResponding),
            .sessionEnded(.callDisconnect),
            .http(.status(503, reason: "Service Unavailable")),
            .proxy(.status(502, reason: "Bad Gateway")),
        ]
        for failure in failures {
            #expect(failure.reconnectCause == .transient, "\(failure)")
        }
    }

    @Test func trustAuthenticationAndSetUpFailuresAreFinal() {
        let cases: [(TunnelFailure, ReconnectCause)] = [
            (.ppp(.authenticationFailed(message: "E=691")), .authentication),
            (.http(.status(403, reason: "Forbidden")), .authentication),
            (.proxy(.authenticationRequired(status: 407, schemes: ["Basic"], credentialsSent: true)), .authentication),
            (.tls(.hostnameMismatch(expected: "a", presented: ["b"])), .certificate),
            (.tls(.selfSigned(subject: "CN=x")), .certificate),
            (.tls(.handshakeAlert(code: 40, description: "handshake failure")), .certificate),
            (.sstp(.cryptoBindingRejected(nil)), .cryptoBindingRejected),
            (.tls(.certificateFileError(path: "/x", detail: "missing")), .configuration),
            (.local("cannot open /dev/net/tun"), .configuration),
            (.ppp(.localSetup("pppd")), .configuration),
        ]
        for (failure, cause) in cases {
            #expect(failure.reconnectCause == cause, "\(failure)")
            #expect(failure.reconnectCause.isFinal)
        }
    }
}
