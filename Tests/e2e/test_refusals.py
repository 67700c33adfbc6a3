"""Refusals end with a clear error, the documented exit code, and nothing
left behind: no TUN, no route, no DNS setting of ours (issue 4)."""
import os
import signal
import time
import unittest

from harness import SERVER_IP, TUNNEL_SERVER_IP, TunnelTestCase, cleanup_pki, pki, run

EXIT_TLS, EXIT_REFUSED, EXIT_NETWORK = 3, 4, 5


class CertificateRefusals(TunnelTestCase):
    def refused(self, expected_text, *client_extra, cert="sstp-chain.pem", **kw):
        self.start_server(cert=cert)
        client = self.start_client(*client_extra, **kw)
        code = client.wait(30)
        out = client.output()
        self.assertEqual(code, EXIT_TLS, out)
        self.assertIn(expected_text, out)
        self.assertNotIn("connected:", out)
        self.assert_nothing_left()
        return out

    def test_certificate_for_another_name(self):
        out = self.refused("other.test", cert="other-chain.pem")
        self.assertIn("sstp.test", out)

    def test_untrusted_ca(self):
        # The server's chain is fine, but the client trusts another root.
        self.refused("the trust store does not hold", ca="other-root.pem")

    def test_expired_certificate(self):
        self.refused("expired", cert="expired-chain.pem")

    def test_wrong_pin(self):
        out = self.refused("pin", "--pin", "sha256:" + "A" * 43 + "=")
        # The message shows the server's real pins, ready to copy.
        self.assertRegex(out, r"sha256:[A-Za-z0-9+/]{43}=")

    def test_matching_pin_connects(self):
        leaf = os.path.join(pki(), "sstp.pem")
        # The pin computed by openssl, independently of our code.
        digest = run("sh", "-c", f"openssl x509 -in {leaf} -outform DER | openssl dgst -sha256 -binary | base64").stdout.strip()
        self.assertEqual(len(digest), 44)
        self.start_server()
        client = self.start_client("--pin", f"sha256:{digest}")
        client.wait_for("connected:", timeout=30)
        self.assertEqual(client.stop(), 0, client.output())


class ServerRefusals(TunnelTestCase):
    def test_crypto_binding_check_fails(self):
        server = self.start_server("--fault-wrong-binding")
        client = self.start_client()
        code = client.wait(30)
        out = client.output()
        self.assertEqual(code, EXIT_REFUSED, out)
        self.assertIn("rejected our crypto binding", out)
        self.assertIn("ATTRIB_STATUS_VALUE_NOT_SUPPORTED", out)
        self.assertIn("crypto binding is invalid", server.output())
        self.assert_nothing_left()

    def test_http_refusal(self):
        self.start_server("--fault-http-status", "404")
        client = self.start_client()
        self.assertEqual(client.wait(30), EXIT_REFUSED, client.output())
        self.assertIn("HTTP 404", client.output())
        self.assert_nothing_left()

    def test_malformed_packet_is_aborted(self):
        self.start_server("--fault-malformed")
        client = self.start_client()
        self.assertEqual(client.wait(30), EXIT_REFUSED, client.output())
        self.assertIn("unknown SSTP message type", client.output())
        self.assert_nothing_left()


class NetworkFailures(TunnelTestCase):
    def test_server_stops_answering(self):
        self.start_server("--fault-silent")
        client = self.start_client("--hello-interval", "1")
        client.wait_for("connected:", timeout=30)
        code = client.wait(30)
        out = client.output()
        self.assertEqual(code, EXIT_NETWORK, out)
        self.assertIn("stopped answering", out)
        self.assert_nothing_left()

    def test_server_killed_mid_transfer(self):
        server = self.start_server()
        client = self.start_client()
        client.wait_for("connected:", timeout=30)
        sink, source = self.start_transfer(10**10, self.ns.server, TUNNEL_SERVER_IP, self.ns.client)
        try:
            time.sleep(1.0)
            self.assertIsNone(source.poll(), "the transfer should still be running")
            server.stop(signal.SIGKILL)
            code = client.wait(30)
        finally:
            for p in (sink, source):
                p.kill()
                p.wait()
        out = client.output()
        self.assertEqual(code, EXIT_NETWORK, out)
        self.assertIn("connection to the peer closed", out)
        self.assert_nothing_left()

    def test_nothing_listening(self):
        client = self.start_client()
        self.assertEqual(client.wait(30), EXIT_NETWORK, client.output())
        self.assertIn("cannot connect to", client.output())


    def test_name_that_does_not_resolve(self):
        # The client namespace has no DNS server: the lookup fails at once.
        client = self.start_client(server="vpn.example.invalid")
        self.assertEqual(client.wait(30), EXIT_NETWORK, client.output())
        self.assertIn("cannot resolve vpn.example.invalid: getaddrinfo:", client.output())
        self.assertIn("Check the server name and your DNS", client.output())
        self.assert_nothing_left()


class RoutesAndDNS(TunnelTestCase):
    def test_default_route_is_undone(self):
        self.start_server()
        client = self.start_client("--default-route")
        client.wait_for("connected:", timeout=30)
        routes = self.ns.routes(self.ns.client)
        self.assertIn("0.0.0.0/1 dev sstp", routes)
        self.assertIn("128.0.0.0/1 dev sstp", routes)
        self.assertIn(f"{SERVER_IP} dev veth-c", routes)
        self.assertEqual(client.stop(), 0, client.output())
        routes = self.ns.routes(self.ns.client)
        self.assertNotIn(f"{SERVER_IP} dev veth-c", routes)
        self.assert_nothing_left()

    def test_given_routes(self):
        self.start_server()
        client = self.start_client("--route", "10.202.0.0/16", "--route", "10.203.4.0/24")
        client.wait_for("connected:", timeout=30)
        routes = self.ns.routes(self.ns.client)
        self.assertIn("10.202.0.0/16 dev sstp", routes)
        self.assertIn("10.203.4.0/24 dev sstp", routes)
        self.assertEqual(client.stop(), 0, client.output())
        self.assert_nothing_left()


def tearDownModule():
    cleanup_pki()


if __name__ == "__main__":
    unittest.main()
