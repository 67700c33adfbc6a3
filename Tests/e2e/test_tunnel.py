"""Client to bundled server across two network namespaces (issue 4):
ping, a byte-exact TCP transfer of 100 MB through the tunnel, and an IPv6
link-local ping inside it, for PAP, MS-CHAPv2 and EAP-MSCHAPv2."""
import os
import re
import unittest

from harness import CLIENT_IP, PASSWORD, TUNNEL_SERVER_IP, TunnelTestCase, cleanup_pki, pki, run

SIZE = int(os.environ.get("SSTP_E2E_TRANSFER_BYTES", str(100 * 1000 * 1000)))


class TunnelTests(TunnelTestCase):
    def connect(self, method, *client_extra):
        server = self.start_server("--methods", method)
        client = self.start_client(*client_extra)
        out = client.wait_for("connected:", timeout=30)
        line = re.search(r"connected: (\S+), (10\.201\.0\.\d+) peer (\S+)", out)
        self.assertIsNotNone(line, out)
        return server, client, line.group(1), line.group(2)

    def check_tunnel(self, server, client, interface, address, method_name):
        # The server verified the crypto binding (MS-SSTP 3.3.5.2.3).
        server.wait_for("Crypto binding is valid")
        self.assertIn(f"authenticated with {method_name}", server.output())
        # IPv4 through the tunnel, both ways.
        r = self.ping(self.ns.client, TUNNEL_SERVER_IP)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        r = self.ping(self.ns.server, address)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        # The DNS the server handed out reached the client.
        self.assertIn("DNS 10.201.0.53", client.output())
        # IPv6 link-local inside the tunnel.
        client.wait_for("IPv6", timeout=10)
        server_ll = f"fe80::1%{interface}"
        r = self.ping(self.ns.client, server_ll, six=True)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        # A byte-exact transfer, client to server.
        sent, received = self.transfer(SIZE, self.ns.server, TUNNEL_SERVER_IP, self.ns.client)
        self.assertEqual(sent, received)
        self.assertTrue(sent.startswith(f"{SIZE} "), sent)
        # And a disconnect leaves nothing behind.
        self.assertEqual(client.stop(), 0, client.output())
        self.assertIn("disconnected", client.output())
        self.assert_nothing_left()

    def test_mschapv2(self):
        server, client, interface, address = self.connect("mschapv2")
        self.check_tunnel(server, client, interface, address, "MS-CHAPv2")

    def test_eap_mschapv2(self):
        server, client, interface, address = self.connect("eap")
        self.check_tunnel(server, client, interface, address, "EAP-MSCHAPv2")

    def test_pap(self):
        server, client, interface, address = self.connect("pap")
        self.check_tunnel(server, client, interface, address, "PAP")

    def inet6(self, interface):
        return run("ip", "-n", self.ns.client, "-6", "-o", "addr", "show", "dev", interface).stdout

    def test_no_ipv6_leaves_the_tun_without_ipv6(self):
        """Issue 16 item 5: with --no-ipv6 the TUN has no IPv6 address at
        all (no kernel link-local, so no router solicitations either)."""
        self.start_server()
        client = self.start_client("--no-ipv6")
        out = client.wait_for("connected:", timeout=30)
        interface = re.search(r"connected: (\S+),", out).group(1)
        self.assertEqual(self.inet6(interface), "")
        self.assertEqual(client.stop(), 0, client.output())

    def test_ipv6_link_local_is_the_negotiated_one_only(self):
        """With IPv6CP the TUN carries the link-local address built from the
        negotiated interface identifier (RFC 5072 section 5), not a second
        one the kernel made up."""
        self.start_server()
        client = self.start_client()
        out = client.wait_for("connected:", timeout=30)
        interface = re.search(r"connected: (\S+),", out).group(1)
        client.wait_for("IPv6", timeout=10)
        addresses = re.findall(r"inet6 (\S+)", self.inet6(interface))
        self.assertEqual(len(addresses), 1, addresses)
        self.assertTrue(addresses[0].startswith("fe80::"), addresses)
        self.assertEqual(client.stop(), 0, client.output())

    def test_config_file(self):
        """sstp connect --config FILE takes every option from the file, and
        refuses a password written in it."""
        self.start_server("--methods", "mschapv2")
        config = os.path.join(self.tmp, "work.conf")
        with open(config, "w") as f:
            f.write(f"""# a profile
server = 10.99.0.1
user = alice
password-file = {self.password_file}
ca-cert = {os.path.join(pki(), 'root.pem')}
refuse-pap = yes
route = 10.202.0.0/16
""")
        from harness import Process, SSTP
        client = Process(self.ns.exec(self.ns.client, SSTP, "connect", "--config", config), "client")
        self.processes.append(client)
        client.wait_for("connected:", timeout=30)
        self.assertIn("10.202.0.0/16 dev sstp", self.ns.routes(self.ns.client))
        self.assertEqual(client.stop(), 0, client.output())
        with open(config, "a") as f:
            f.write("password = hunter2\n")
        bad = Process(self.ns.exec(self.ns.client, SSTP, "connect", "--config", config), "bad")
        self.processes.append(bad)
        self.assertEqual(bad.wait(10), 64, bad.output())
        self.assertIn("give password-file, not the password itself", bad.output())
        self.assert_nothing_left()

    def test_wrong_password_is_an_authentication_failure(self):
        self.start_server("--methods", "mschapv2")
        client = self.start_client(password_file=self.secret_file("wrong", "not the password"))
        self.assertEqual(client.wait(30), 2, client.output())
        self.assertIn("Authentication failed", client.output())
        self.assert_nothing_left()


def tearDownModule():
    cleanup_pki()


if __name__ == "__main__":
    unittest.main()
