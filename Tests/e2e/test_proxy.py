"""Through a real HTTP proxy (Debian's tinyproxy, started by the test) with
Basic authentication: the tunnel connects; wrong proxy credentials give the
proxy's error (issue 4)."""
import os
import unittest

from harness import SERVER_IP, TUNNEL_SERVER_IP, Process, TunnelTestCase, cleanup_pki

PROXY_PORT = 8888
EXIT_NETWORK = 5


class ProxyTests(TunnelTestCase):
    def start_proxy(self):
        conf = os.path.join(self.tmp, "tinyproxy.conf")
        with open(conf, "w") as f:
            f.write(f"""Port {PROXY_PORT}
Listen {SERVER_IP}
Timeout 600
LogLevel Info
PidFile "{self.tmp}/tinyproxy.pid"
MaxClients 10
Allow 10.99.0.0/24
ConnectPort 443
BasicAuth proxyuser proxy-secret
""")
        proxy = Process(self.ns.exec(self.ns.server, "tinyproxy", "-d", "-c", conf), "tinyproxy")
        self.processes.append(proxy)
        proxy.wait_for("listening on", timeout=10)
        return proxy

    def test_connects_through_proxy_with_basic_auth(self):
        proxy = self.start_proxy()
        self.start_server()
        password = self.secret_file("proxy-password", "proxy-secret")
        client = self.start_client("--proxy", f"{SERVER_IP}:{PROXY_PORT}", "--proxy-user", "proxyuser",
                                   "--proxy-password-file", password)
        client.wait_for("connected:", timeout=30)
        self.assertIn("the proxy opened the tunnel", client.output())
        self.assertIn(f"CONNECT {SERVER_IP}:443", proxy.output())
        r = self.ping(self.ns.client, TUNNEL_SERVER_IP)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        # The proxy password appears in no output of ours.
        self.assertNotIn("proxy-secret", client.output())
        self.assertEqual(client.stop(), 0, client.output())
        self.assert_nothing_left()

    def test_wrong_proxy_credentials(self):
        self.start_proxy()
        self.start_server()
        password = self.secret_file("proxy-password", "wrong")
        client = self.start_client("--proxy", f"{SERVER_IP}:{PROXY_PORT}", "--proxy-user", "proxyuser",
                                   "--proxy-password-file", password)
        self.assertEqual(client.wait(30), EXIT_NETWORK, client.output())
        # tinyproxy 1.11 answers wrong credentials with 401, others with 407.
        self.assertRegex(client.output(), r"proxy refused the proxy user name or password \(HTTP 40[17]\)")
        self.assert_nothing_left()

    def test_proxy_without_credentials(self):
        self.start_proxy()
        self.start_server()
        client = self.start_client("--proxy", f"{SERVER_IP}:{PROXY_PORT}")
        self.assertEqual(client.wait(30), EXIT_NETWORK, client.output())
        self.assertIn("the proxy requires authentication (HTTP 407)", client.output())


def tearDownModule():
    cleanup_pki()


if __name__ == "__main__":
    unittest.main()
