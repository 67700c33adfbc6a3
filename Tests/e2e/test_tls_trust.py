"""Trust decisions end to end (issue 16, items 2 and 4): a pin alone trusts a
self-signed server (certificate or public-key pin, no --ca-cert), a wrong pin
refuses it showing both real pins; a TLS 1.2 server with only AES128-SHA (no
forward secrecy) is refused naming --tls-legacy-ciphers, and accepted with it."""
import os
import re
import time
import unittest

from dbusbus import PrivateSystemBus
from harness import SERVER_IP, TUNNEL_SERVER_IP, Process, TunnelTestCase, cleanup_pki, pki, run

EXIT_TLS = 3


def cli_pin(cert, public_key=False):
    """The pin as the openssl command line computes it (not our code)."""
    if public_key:
        der = f"openssl x509 -in {cert} -pubkey -noout | openssl pkey -pubin -outform der"
    else:
        der = f"openssl x509 -in {cert} -outform der"
    digest = run("sh", "-c", f"{der} | openssl dgst -sha256 -binary | base64").stdout.strip()
    assert len(digest) == 44, digest
    return f"sha256:{digest}"


class PinTrust(TunnelTestCase):
    def selfsigned_server(self):
        return self.start_server(cert="selfsigned.pem", key="selfsigned.key")

    def connects_with(self, pin):
        self.selfsigned_server()
        # No --ca-cert: the system store knows nothing of this certificate.
        client = self.start_client("--pin", pin, ca=None)
        client.wait_for("connected:", timeout=30)
        self.assertNotIn("self-signed", client.output())
        self.assertEqual(client.stop(), 0, client.output())
        self.assert_nothing_left()

    def test_certificate_pin_alone_trusts_a_selfsigned_server(self):
        self.connects_with(cli_pin(os.path.join(pki(), "selfsigned.pem")))

    def test_public_key_pin_alone_trusts_a_selfsigned_server(self):
        self.connects_with(cli_pin(os.path.join(pki(), "selfsigned.pem"), public_key=True))

    def test_wrong_pin_refuses_a_selfsigned_server_showing_its_pins(self):
        self.selfsigned_server()
        client = self.start_client("--pin", cli_pin(os.path.join(pki(), "sstp.pem")), ca=None)
        code = client.wait(30)
        out = client.output()
        self.assertEqual(code, EXIT_TLS, out)
        self.assertIn("matches none of the pins", out)
        self.assertIn(cli_pin(os.path.join(pki(), "selfsigned.pem")), out)
        self.assertIn(cli_pin(os.path.join(pki(), "selfsigned.pem"), public_key=True), out)
        self.assertNotIn("connected:", out)
        self.assert_nothing_left()


class DBusPinTrust(TunnelTestCase):
    """The D-Bus "pins" option maps to the same trust decision."""

    def setUp(self):
        super().setUp()
        self.bus = PrivateSystemBus(os.path.join(self.tmp, "bus"), prefix=self.ns.exec(self.ns.client))
        self.addCleanup(self.bus.close)

    def state(self, path):
        r = self.bus.busctl("get-property", "net.sstpclient.Client1", path, "net.sstpclient.Client1.Connection",
                            "State")
        return r.stdout.strip()

    def test_pins_option_alone_trusts_a_selfsigned_server(self):
        self.start_server(cert="selfsigned.pem", key="selfsigned.key")
        pin = cli_pin(os.path.join(pki(), "selfsigned.pem"), public_key=True)
        r = self.bus.busctl("call", "net.sstpclient.Client1", "/net/sstpclient/Client1",
                            "net.sstpclient.Client1.Manager", "Connect", "a{sv}", "5",
                            "server", "s", SERVER_IP, "user", "s", "alice",
                            "password-file", "s", self.password_file, "server-name", "s", "sstp.test",
                            "pins", "as", "1", pin)
        self.assertEqual(r.returncode, 0, r.stderr)
        path = re.search(r'o "(\S+)"', r.stdout).group(1)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and self.state(path) not in ('s "connected"', 's "disconnected"'):
            time.sleep(0.2)
        self.assertEqual(self.state(path), 's "connected"')
        r = self.ping(self.ns.client, TUNNEL_SERVER_IP)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        r = self.bus.busctl("call", "net.sstpclient.Client1", path, "net.sstpclient.Client1.Connection",
                            "Disconnect")
        self.assertEqual(r.returncode, 0, r.stderr)


class LegacyCipherServer(TunnelTestCase):
    """openssl s_server limited to TLS 1.2 and AES128-SHA (RSA key exchange)."""

    def start_old_server(self):
        d = pki()
        argv = self.ns.exec(self.ns.server, "openssl", "s_server", "-accept", f"{SERVER_IP}:443",
                            "-cert", os.path.join(d, "rsa.pem"), "-cert_chain", os.path.join(d, "int.pem"),
                            "-key", os.path.join(d, "rsa.key"),
                            "-tls1_2", "-cipher", "AES128-SHA", "-www")
        p = Process(argv, "s_server")
        self.processes.append(p)
        p.wait_for("ACCEPT")
        return p

    def test_refused_naming_the_option(self):
        self.start_old_server()
        client = self.start_client()
        code = client.wait(30)
        out = client.output()
        self.assertEqual(code, EXIT_TLS, out)
        self.assertIn("--tls-legacy-ciphers", out)
        self.assertIn("forward", out)
        self.assert_nothing_left()

    def test_accepted_with_the_option(self):
        self.start_old_server()
        client = self.start_client("--tls-legacy-ciphers")
        # TLS is up with the legacy suite; s_server then answers no SSTP
        # (it waits for the end of the HTTP request), so stop there.
        out = client.wait_for("[TLS] TLS 1.2, AES128-SHA", timeout=30)
        self.assertIn("[HTTP] SSTP_DUPLEX_POST", client.wait_for("[HTTP]", timeout=10))
        client.stop()
        self.assertNotIn("--tls-legacy-ciphers", out)
        self.assert_nothing_left()


def tearDownModule():
    cleanup_pki()


if __name__ == "__main__":
    unittest.main()
