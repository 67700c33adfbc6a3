"""The server re-keys TLS while the tunnel carries traffic (issue 16, item 1):
TLS 1.2 renegotiation (RFC 5746) and TLS 1.3 KeyUpdate, several times during
pings and byte-exact transfers both ways; and a renegotiation that swaps the
server's certificate is refused by name."""
import os
import re
import unittest

from harness import TUNNEL_SERVER_IP, TunnelTestCase, cleanup_pki, pki

SIZE = int(os.environ.get("SSTP_E2E_REKEY_BYTES", str(12 * 1000 * 1000)))


class RekeyTests(TunnelTestCase):
    def connect(self, *client_extra, every="0.3"):
        server = self.start_server("--renegotiate-every", every)
        client = self.start_client(*client_extra)
        out = client.wait_for("connected:", timeout=30)
        line = re.search(r"connected: (\S+), (10\.201\.0\.\d+) peer", out)
        self.assertIsNotNone(line, out)
        server.wait_for("Crypto binding is valid")
        return server, client, line.group(2)

    def logs(self, client):
        server = self.processes[0]
        return "\nclient:\n" + client.output()[-3000:] + "\nserver:\n" + server.output()[-3000:]

    def move(self, *args, **kw):
        try:
            return self.transfer(*args, **kw)
        except AssertionError as e:
            raise AssertionError(f"{e}{self.logs(self.processes[1])}") from None

    def traffic(self, client, address):
        """Ping both ways and a byte-exact transfer each way."""
        r = self.ping(self.ns.client, TUNNEL_SERVER_IP, count=5)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr + client.output())
        r = self.ping(self.ns.server, address, count=5)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr + client.output())
        sent, received = self.move(SIZE, self.ns.server, TUNNEL_SERVER_IP, self.ns.client)
        self.assertEqual(sent, received, client.output())
        self.assertTrue(sent.startswith(f"{SIZE} "), sent)
        sent, received = self.move(SIZE, self.ns.client, address, self.ns.server, port=5202)
        self.assertEqual(sent, received, client.output())
        self.assertTrue(sent.startswith(f"{SIZE} "), sent)

    def test_tls12_renegotiations_during_traffic(self):
        server, client, address = self.connect("--tls-max", "1.2")
        self.assertIn("TLS 1.2", client.output())
        before = len(re.findall(r"TLS renegotiation \d+ finished", server.output()))
        self.traffic(client, address)
        server.wait_for(f"TLS renegotiation {before + 3} finished", timeout=20)
        finished = len(re.findall(r"TLS renegotiation \d+ finished", server.output()))
        self.assertGreaterEqual(finished - before, 3, server.output())
        self.assertNotIn("renegotiation failed", server.output() + client.output())
        # Still the same session: the tunnel never dropped.
        self.assertEqual(client.output().count("connected:"), 1, client.output())
        self.assertEqual(client.stop(), 0, client.output())
        self.assert_nothing_left()

    def test_tls13_key_updates_during_traffic(self):
        server, client, address = self.connect()
        self.assertIn("TLS 1.3", client.output())
        self.traffic(client, address)
        server.wait_for("TLS 1.3 key update 3 sent", timeout=20)
        self.assertEqual(client.output().count("connected:"), 1, client.output())
        self.assertEqual(client.stop(), 0, client.output())
        self.assert_nothing_left()

    def test_renegotiation_with_another_certificate_is_refused(self):
        d = pki()
        self.start_server("--renegotiate-every", "1",
                          "--fault-renegotiate-cert", os.path.join(d, "anyeku-chain.pem"),
                          "--fault-renegotiate-key", os.path.join(d, "leaf.key"))
        client = self.start_client("--tls-max", "1.2")
        client.wait_for("connected:", timeout=30)
        code = client.wait(30)
        out = client.output()
        self.assertNotEqual(code, 0, out)
        self.assertIn("the server's TLS renegotiation failed: the server presented a different certificate", out)
        self.assert_nothing_left()


def tearDownModule():
    cleanup_pki()


if __name__ == "__main__":
    unittest.main()
