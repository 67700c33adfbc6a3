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

from harness import SERVER, TUNNEL_SERVER_IP, USER, PASSWORD, Process, TunnelTestCase, cleanup_pki, pki, run
from radius import EAPOL_TEST, FREERADIUS, RADIUS_PORT, RADIUS_SERVER_NAME, FreeRADIUS

EXIT_AUTHENTICATION = 2


class RADIUSTestCase(TunnelTestCase):
    tls_max = "1.3"  # FreeRADIUS's highest TLS version for EAP-TLS and PEAP

    def setUp(self):
        if not os.path.exists(FREERADIUS):
            self.fail(f"{FREERADIUS} is missing: apt-get install freeradius (listed in APT_PACKAGES)")
        super().setUp()
        self.radius = FreeRADIUS(lambda *a: self.ns.exec(self.ns.server, *a), {USER: PASSWORD},
                                 tls_max=self.tls_max)
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


EXIT_CERTIFICATE = 3
EXIT_USAGE = 64
KEY_PASSPHRASE = "client key passphrase 51c2"


class EAPCertificateCase(RADIUSTestCase):
    """Our client's EAP-TLS and PEAP-MSCHAPv2 through the bundled server to
    FreeRADIUS. The server builds the HLAK with --eap-key-layout truncated,
    the layout pppd, sstpc and sstpd use and the client's default, so a
    valid binding means the two agree on the MSK bytes."""

    def setUp(self):
        super().setUp()
        self.rp = self.radius.pki

    def start_tls_server(self):
        self.radius.start()
        return self.start_relaying_server("--eap-key-layout", "truncated")

    def eap_args(self, ca="ca.pem", name=RADIUS_SERVER_NAME):
        return ["--eap-ca-cert", os.path.join(self.rp, ca), "--eap-server-name", name]

    def tls_args(self, cert="alice", key=None, ca="ca.pem"):
        return ["--auth", "tls", "--client-cert", os.path.join(self.rp, f"{cert}.pem"),
                "--client-key", key or os.path.join(self.rp, f"{cert}.key"), *self.eap_args(ca)]

    def assert_connects(self, client, server, method):
        said = client.wait_for("connected:", timeout=60)
        self.assertIn(f"authenticated with {method}", said)
        out = server.wait_for("Crypto binding is valid", timeout=20)
        self.assertIn(f"runs {method}", out)
        self.assertIn("RADIUS Access-Accept", out)
        r = self.ping(self.ns.client, TUNNEL_SERVER_IP)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(client.stop(), 0, client.output())
        self.assert_nothing_left()

    def assert_fails(self, client, code, *texts):
        status = client.wait(60)
        out = client.output()
        self.assertEqual(status, code, out)
        self.assertNotIn("connected:", out)
        for text in texts:
            self.assertIn(text, out)
        self.assert_nothing_left()
        return out

    def encrypted_key(self):
        """alice's key as encrypted PKCS#8 PEM and as a PKCS#12 bundle,
        both under KEY_PASSPHRASE (given to openssl in a file, not argv)."""
        pass_file = self.secret_file("key-passphrase", KEY_PASSPHRASE)
        pem = os.path.join(self.tmp, "alice-encrypted.key")
        p12 = os.path.join(self.tmp, "alice.p12")
        run("openssl", "pkcs8", "-topk8", "-v2", "aes-256-cbc", "-in", os.path.join(self.rp, "alice.key"),
            "-out", pem, "-passout", f"file:{pass_file}")
        run("openssl", "pkcs12", "-export", "-in", os.path.join(self.rp, "alice.pem"),
            "-inkey", os.path.join(self.rp, "alice.key"), "-out", p12, "-passout", f"file:{pass_file}")
        return pass_file, pem, p12


class EAPTLSAndPEAPThroughRADIUS(EAPCertificateCase):
    def test_eap_tls_13_connects_binding_valid_and_ping(self):
        server = self.start_tls_server()
        client = self.start_client(*self.tls_args())
        self.assert_connects(client, server, "EAP-TLS")
        self.assertIn("Login OK: [alice", self.radius.output())
        self.assertIn("send TLS 1.3 Handshake, ServerHello", self.radius.output())

    def test_peap_mschapv2_connects_binding_valid_and_ping(self):
        # The PEAP tunnel is TLS 1.2 even though FreeRADIUS offers 1.3.
        server = self.start_tls_server()
        client = self.start_client("--auth", "peap", *self.eap_args())
        self.assert_connects(client, server, "PEAP")
        self.assertIn("send TLS 1.2 Handshake, ServerHello", self.radius.output())
        self.assertNotIn("send TLS 1.3 Handshake", self.radius.output())
        self.assertNotIn(PASSWORD, server.output())

    def test_encrypted_pem_key_with_its_passphrase_from_a_file(self):
        pass_file, pem, _ = self.encrypted_key()
        server = self.start_tls_server()
        client = self.start_client(*self.tls_args(key=pem), "--client-key-password-file", pass_file)
        self.assert_connects(client, server, "EAP-TLS")
        self.assertNotIn(KEY_PASSPHRASE, client.output())

    def test_encrypted_pkcs12_with_its_passphrase_from_a_file(self):
        pass_file, _, p12 = self.encrypted_key()
        server = self.start_tls_server()
        client = self.start_client("--auth", "tls", "--client-cert", p12, "--client-key-password-file",
                                   pass_file, *self.eap_args())
        self.assert_connects(client, server, "EAP-TLS")
        self.assertNotIn(KEY_PASSPHRASE, client.output())

    def test_wrong_key_passphrase_is_refused_before_connecting(self):
        _, pem, p12 = self.encrypted_key()
        wrong = self.secret_file("wrong-passphrase", "not the passphrase")
        for argv in (self.tls_args(key=pem), ["--auth", "tls", "--client-cert", p12, *self.eap_args()]):
            client = self.start_client(*argv, "--client-key-password-file", wrong)
            out = self.assert_fails(client, EXIT_USAGE, "the key passphrase is wrong")
            self.assertNotIn("not the passphrase", out)

    def test_revoked_client_certificate_is_refused_by_the_server(self):
        server = self.start_tls_server()
        client = self.start_client(*self.tls_args(cert="revoked"))
        out = self.assert_fails(client, EXIT_AUTHENTICATION, "Authentication failed", "--client-cert")
        self.assertNotIn("Check the user name and password", out)
        self.assertIn("RADIUS Access-Reject", server.wait_for("RADIUS Access-Reject", timeout=20))
        self.assertIn("certificate revoked", self.radius.output())

    def test_wrong_peap_password_is_an_authentication_failure(self):
        server = self.start_tls_server()
        client = self.start_client("--auth", "peap", *self.eap_args(),
                                   password_file=self.secret_file("wrong", "not the password"))
        out = self.assert_fails(client, EXIT_AUTHENTICATION, "Authentication failed")
        self.assertNotIn("not the password", out + server.output())

    def test_untrusted_radius_certificate_is_refused_by_the_client(self):
        self.start_tls_server()
        for argv in (self.tls_args(ca="other-ca/ca.pem"), ["--auth", "peap", *self.eap_args(ca="other-ca/ca.pem")]):
            client = self.start_client(*argv)
            out = self.assert_fails(client, EXIT_CERTIFICATE,
                                    "the authentication server's certificate is not trusted",
                                    "pass its certificate with --eap-ca-cert FILE")
            self.assertNotIn("with --ca-cert", out)

    def test_wrong_radius_server_name_is_refused_by_the_client(self):
        self.start_tls_server()
        client = self.start_client("--auth", "peap", *self.eap_args(name="other.test"))
        self.assert_fails(client, EXIT_CERTIFICATE, "the authentication server's certificate is not trusted",
                          "--eap-server-name")


class NetworkManagerSSTPTLSKeys(EAPCertificateCase):
    """The EAP-TLS keys network-manager-sstp's profiles carry beyond the
    certificate, through their command-line names: the identity, the
    verify method with the remote name (as pppd 2.5 reads them), the CRL."""

    def test_no_user_names_itself_after_the_certificate(self):
        server = self.start_tls_server()
        argv = self.client_argv(*self.tls_args())
        at = argv.index("--user")
        del argv[at:at + 2]
        client = Process(argv, "client")
        self.processes.append(client)
        self.assertIn("EAP: sent Identity alice", client.wait_for("connected:", timeout=60))
        self.assertIn("accepted alice", server.wait_for("Crypto binding is valid", timeout=20))
        self.assertEqual(client.stop(), 0, client.output())
        self.assert_nothing_left()

    def test_eap_identity_is_what_the_server_sees(self):
        server = self.start_tls_server()
        client = self.start_client(*self.tls_args(), "--eap-identity", "carol@example.test")
        self.assert_connects(client, server, "EAP-TLS")
        self.assertIn("accepted carol@example.test", server.output())
        self.assertIn("Login OK: [carol@example.test", self.radius.output())

    def test_verify_method_subject_passes_and_name_mismatch_is_refused(self):
        server = self.start_tls_server()
        client = self.start_client(*self.tls_args(), "--eap-verify-method", "subject",
                                   "--eap-server-name", f"/CN={RADIUS_SERVER_NAME}")
        self.assert_connects(client, server, "EAP-TLS")
        client = self.start_client(*self.tls_args(), "--eap-verify-method", "suffix", "--eap-server-name", "dius.test")
        self.assert_fails(client, EXIT_CERTIFICATE, "does not pass the verify method suffix",
                          f'"{RADIUS_SERVER_NAME}"', "--eap-verify-method")

    def test_crl_revoking_the_radius_certificate_is_refused(self):
        self.start_tls_server()
        client = self.start_client(*self.tls_args(), "--eap-crl", os.path.join(self.rp, "server-revoked-crl.pem"))
        self.assert_fails(client, EXIT_CERTIFICATE, "the authentication server's certificate is not trusted",
                          "revoked")


class EAPTLS12ThroughRADIUS(EAPCertificateCase):
    """EAP-TLS against a FreeRADIUS capped at TLS 1.2."""

    tls_max = "1.2"

    def test_eap_tls_12_connects_binding_valid_and_ping(self):
        server = self.start_tls_server()
        client = self.start_client(*self.tls_args())
        self.assert_connects(client, server, "EAP-TLS")
        self.assertIn("send TLS 1.2 Handshake, ServerHello", self.radius.output())
        self.assertNotIn("send TLS 1.3 Handshake", self.radius.output())


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
