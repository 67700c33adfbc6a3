"""EAP through RADIUS (issue 15): our client -> the bundled server in EAP
pass-through (RFC 3579) -> FreeRADIUS 3.2 with its own throwaway raddb, on
loopback in the server namespace. The server checks the client's crypto
binding with the HLAK it builds from the MS-MPPE keys FreeRADIUS sends
(RFC 2548), so "Crypto binding is valid" proves the keys line up.

The fixture (radius.py) also holds what the EAP-TLS and PEAP cases need:
client certificates from its CA, a revoked one in a CRL, an unrelated CA;
those cases only add client options.
"""
import os
import unittest

from harness import SERVER, TUNNEL_SERVER_IP, USER, PASSWORD, TunnelTestCase, cleanup_pki, pki, run
from radius import EAPOL_TEST, FREERADIUS, RADIUS_PORT, RADIUS_SERVER_NAME, FreeRADIUS

EXIT_AUTHENTICATION = 2


class RADIUSTestCase(TunnelTestCase):
    def setUp(self):
        if not os.path.exists(FREERADIUS):
            self.fail(f"{FREERADIUS} is missing: apt-get install freeradius (listed in APT_PACKAGES)")
        super().setUp()
        self.radius = FreeRADIUS(lambda *a: self.ns.exec(self.ns.server, *a), {USER: PASSWORD})
        self.addCleanup(self.radius.close)
        self.radius_secret = self.radius.secret_file()

    def start_relaying_server(self, *extra):
        return self.start_server("--methods", "eap", "--radius", f"127.0.0.1:{RADIUS_PORT}",
                                 "--radius-secret-file", self.radius_secret, *extra)


class EAPMSCHAPv2ThroughRADIUS(RADIUSTestCase):
    def test_connects_binding_valid_and_ping(self):
        self.radius.start()
        server = self.start_relaying_server()
        client = self.start_client()
        client.wait_for("connected:", timeout=60)
        out = server.wait_for("Crypto binding is valid", timeout=20)
        self.assertIn("RADIUS Access-Accept", out)
        self.assertIn("runs EAP-MSCHAPv2", out)
        r = self.ping(self.ns.client, TUNNEL_SERVER_IP)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(client.stop(), 0, client.output())
        self.assertIn("Login OK: [alice", self.radius.output())
        self.assertNotIn(PASSWORD, server.output())
        self.assert_nothing_left()

    def test_wrong_password_is_an_authentication_failure_naming_the_rejection(self):
        self.radius.start()
        server = self.start_relaying_server()
        client = self.start_client(password_file=self.secret_file("wrong", "not the password"))
        code = client.wait(60)
        out = client.output()
        self.assertEqual(code, EXIT_AUTHENTICATION, out)
        self.assertIn("Authentication failed", out)
        self.assertNotIn("connected:", out)
        log = server.wait_for("RADIUS Access-Reject", timeout=20)
        self.assertIn("FreeRADIUS refused alice", log)
        self.assertNotIn("Crypto binding is valid", log)
        self.assert_nothing_left()

    def test_radius_not_running_is_a_clear_error(self):
        # No FreeRADIUS: the Access-Request meets ICMP port unreachable.
        server = self.start_relaying_server()
        client = self.start_client()
        code = client.wait(60)
        self.assertEqual(code, EXIT_AUTHENTICATION, client.output())
        log = server.wait_for("nothing listens there", timeout=20)
        self.assertIn(f"the RADIUS server 127.0.0.1:{RADIUS_PORT} refused the Access-Request", log)
        self.assert_nothing_left()

    def test_wrong_shared_secret_means_no_answer(self):
        # FreeRADIUS drops requests whose Message-Authenticator fails
        # (RFC 3579 §3.2), so the server sees silence and says what to check.
        self.radius.start()
        wrong = self.secret_file("wrong-secret", "not the shared secret")
        server = self.start_server("--methods", "eap", "--radius", f"127.0.0.1:{RADIUS_PORT}",
                                   "--radius-secret-file", wrong, "--radius-timeout", "0.3",
                                   "--radius-attempts", "2")
        client = self.start_client()
        self.assertEqual(client.wait(60), EXIT_AUTHENTICATION, client.output())
        log = server.wait_for("did not answer 2 Access-Requests", timeout=20)
        self.assertIn("--radius-secret-file", log)
        self.assertNotIn("not the shared secret", log)
        self.assert_nothing_left()


class RADIUSOptions(unittest.TestCase):
    """The test server refuses RADIUS settings it cannot use, before it
    listens: the secret only from a file, an address it can parse."""

    def server(self, *args):
        d = pki()
        return run(SERVER, "--listen", "127.0.0.1:0", "--cert", os.path.join(d, "sstp-chain.pem"),
                   "--key", os.path.join(d, "leaf.key"), "--methods", "eap", *args, check=False, timeout=30)

    def test_radius_needs_a_secret_file(self):
        r = self.server("--radius", "127.0.0.1:1812")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("--radius needs --radius-secret-file", r.stderr)

    def test_radius_address_must_be_address_and_port(self):
        r = self.server("--radius", "radius.example", "--radius-secret-file", "/dev/null")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("--radius: give ADDRESS:PORT", r.stderr)

    def test_users_file_is_needed_without_radius(self):
        r = self.server()
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("--users: needed unless --radius", r.stderr)


class FixtureCheckedByEapolTest(RADIUSTestCase):
    """The FreeRADIUS fixture against wpa_supplicant's eapol_test, code we
    did not write: EAP-TLS 1.2 and 1.3 and PEAP-MSCHAPv2 succeed, and
    eapol_test finds that MS-MPPE-Recv-Key is MSK[0..31] ("MPPE keys OK"),
    the layout the test server's HLAK relies on; the failure cases our
    client's EAP-TLS and PEAP tests need fail here too."""

    def setUp(self):
        if not os.path.exists(EAPOL_TEST):
            self.fail(f"{EAPOL_TEST} is missing: apt-get install eapoltest (listed in APT_PACKAGES)")
        super().setUp()
        self.radius.start()
        self.pki = self.radius.pki

    def tls(self, cert="alice", ca="ca.pem", phase1="tls_disable_tlsv1_3=1"):
        return ["eap=TLS", 'identity="alice"', f'ca_cert="{os.path.join(self.pki, ca)}"',
                f'client_cert="{self.pki}/{cert}.pem"', f'private_key="{self.pki}/{cert}.key"',
                f'domain_suffix_match="{RADIUS_SERVER_NAME}"', f'phase1="{phase1}"']

    def peap(self, password=PASSWORD):
        return ["eap=PEAP", 'identity="alice"', f'password="{password}"', f'ca_cert="{self.pki}/ca.pem"',
                'phase1="peapver=0"', 'phase2="auth=MSCHAPV2"']

    def assertSucceeds(self, result, version):
        self.assertEqual(result.returncode, 0, result.stdout[-3000:])
        self.assertIn(f"SSL: Using TLS version {version}", result.stdout)
        self.assertIn("MPPE keys OK: 1  mismatch: 0", result.stdout)

    def test_eap_tls_12(self):
        self.assertSucceeds(self.radius.eapol_test("tls12", self.tls()), "TLSv1.2")

    def test_eap_tls_13(self):
        only13 = "tls_disable_tlsv1_0=1 tls_disable_tlsv1_1=1 tls_disable_tlsv1_2=1 tls_disable_tlsv1_3=0"
        self.assertSucceeds(self.radius.eapol_test("tls13", self.tls(phase1=only13)), "TLSv1.3")

    def test_peap_mschapv2(self):
        self.assertSucceeds(self.radius.eapol_test("peap", self.peap()), "TLSv1.2")

    def test_revoked_client_certificate_is_rejected(self):
        result = self.radius.eapol_test("revoked", self.tls(cert="revoked"))
        self.assertNotEqual(result.returncode, 0, result.stdout[-2000:])
        self.assertTrue("certificate revoked" in self.radius.output(), self.radius.output()[-2000:])

    def test_wrong_peap_password_is_rejected(self):
        result = self.radius.eapol_test("peap-wrong", self.peap(password="not the password"))
        self.assertNotEqual(result.returncode, 0, result.stdout[-2000:])
        self.assertTrue("Login incorrect" in self.radius.output(), self.radius.output()[-2000:])

    def test_untrusted_server_certificate_is_refused_by_the_peer(self):
        result = self.radius.eapol_test("untrusted", self.tls(ca="other-ca/ca.pem"))
        self.assertNotEqual(result.returncode, 0, result.stdout[-2000:])
        self.assertTrue("CTRL-EVENT-EAP-TLS-CERT-ERROR" in result.stdout, result.stdout[-2000:])
        self.assertIn("Access-Reject", result.stdout[-4000:])


def tearDownModule():
    cleanup_pki()


if __name__ == "__main__":
    unittest.main()
