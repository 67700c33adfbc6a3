"""The pppd backend with kernel PPP, inside a User-Mode Linux guest (issue
6): our client with --backend pppd runs in the guest, pppd on a pty with our
bridge plugin, ppp0 carries the traffic.

  - Against our test server on the host: MS-CHAPv2, our server verifies the
    crypto binding computed from the MPPE keys pppd handed over, ping and a
    byte-exact transfer across ppp0.
  - Against sstpd + pppd + Debian's sstp-pppd-plugin.so in the same guest,
    with sstpd's crypto-binding check on.
  - A wrong password ends with the authentication-failed exit status.
  - Killing the server leaves no pppd and no ppp device in the guest.
"""
import os
import re
import signal
import time
import unittest

from harness import PASSWORD, ROOT, SERVER, SSTP, USER, cleanup_pki, pki, run
from test_interop import (CHAP_SECRETS, DNS, GUEST_IP, HOST_IP, POOL, TUNNEL_SERVER_IP, GuestTestCase, read,
                          sstpd_program, start_sstpd)

PLUGIN = os.environ.get("SSTP_PPPD_PLUGIN", os.path.join(ROOT, "nm-plugin", "pppd", "build", "sstp-pppd-bridge.so"))
EXIT_AUTH, EXIT_NETWORK = 2, 5


class PPPDBackendTestCase(GuestTestCase):
    # Debian's /etc/ppp/options (auth, crtscts, modem, lock) breaks pty
    # links; the guest's private /etc/ppp has an empty one.
    guest_etc_ppp = {"options": "", "chap-secrets": CHAP_SECRETS}

    def setUp(self):
        if not os.path.exists(PLUGIN):
            self.fail(f"{PLUGIN} is missing: run make build")
        super().setUp()
        self.password_file = self.guest.write_file("password", PASSWORD + "\n", 0o600)
        self.ca = self.guest.copy_in(os.path.join(pki(), "root.pem"))

    def start_client(self, server, *extra, password_file=None):
        return self.guest.spawn(
            f"exec {SSTP} connect {server} --backend pppd --pppd-plugin {PLUGIN} --user {USER}"
            f" --password-file {password_file or self.password_file} --ca-cert {self.ca}"
            f" --server-name sstp.test -v {' '.join(extra)}", "client")

    def ppp_state(self):
        rc, out = self.guest.run("ip -o link show; echo ==; ps -eo comm", check=False)
        links, _, procs = out.partition("==")
        return [l for l in links.splitlines() if ": ppp" in l], [p for p in procs.split() if p == "pppd"]

    def assert_no_pppd_left(self, timeout=15):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            links, procs = self.ppp_state()
            if not links and not procs:
                return
            time.sleep(0.5)
        self.fail(f"left behind in the guest: {links} {procs}")


class PPPDBackendAgainstOurServer(PPPDBackendTestCase):
    def setUp(self):
        super().setUp()
        d = pki()
        users = self.guest.write_file("users", f"{USER}:{PASSWORD}\n", 0o600)
        self.server = self.host_process(
            [SERVER, "--listen", f"{HOST_IP}:443", "--cert", os.path.join(d, "sstp-chain.pem"),
             "--key", os.path.join(d, "leaf.key"), "--users", users, "--local", TUNNEL_SERVER_IP,
             "--pool", f"{POOL[0]}-{POOL[1]}", "--dns", DNS, "--methods", "mschapv2", "--no-ipv6"], "server")
        self.server.wait_for("listening on")

    def logs(self, client):
        return f"--- server\n{self.server.output()}\n--- client\n{client.output()}"

    def test_mschapv2_crypto_binding_ping_and_transfer(self):
        client = self.start_client(HOST_IP)
        try:
            out = client.wait_for("connected:", timeout=90)
        except AssertionError as e:
            self.fail(f"{e}\n{self.logs(client)}")
        line = re.search(r"connected: (ppp\d+), (10\.201\.0\.\d+) peer (\S+)", out)
        self.assertIsNotNone(line, out)
        address = line.group(2)
        server = self.server.wait_for("Crypto binding is valid", timeout=20)
        self.assertIn("authenticated with MS-CHAPv2", server)
        self.assertIn("loaded the bridge plugin", out)
        rc, link = self.guest.run(f"ip -4 -o addr show dev {line.group(1)}", check=False)
        self.assertIn(f"inet {address} peer {TUNNEL_SERVER_IP}/32", link)
        self.guest_ping(TUNNEL_SERVER_IP)
        self.host_ping(address)
        self.assert_transfer(*self.transfer_from_guest(TUNNEL_SERVER_IP))
        self.assertEqual(client.stop(), 0, self.logs(client))
        self.assert_no_pppd_left()

    def test_wrong_password_is_an_authentication_failure(self):
        wrong = self.guest.write_file("wrong", "not the password\n", 0o600)
        client = self.start_client(HOST_IP, password_file=wrong)
        rc = client.wait(90)
        self.assertEqual(rc, EXIT_AUTH, self.logs(client))
        self.assertIn("Authentication failed", client.output())
        self.assert_no_pppd_left()

    def test_killing_the_server_leaves_no_pppd(self):
        client = self.start_client(HOST_IP)
        client.wait_for("connected:", timeout=90)
        self.server.stop(signal.SIGKILL)
        rc = client.wait(60)
        self.assertEqual(rc, EXIT_NETWORK, self.logs(client))
        self.assert_no_pppd_left()


class PPPDBackendAgainstSstpd(PPPDBackendTestCase):
    """sstpd and its pppd in the guest, our client with its pppd too."""

    def setUp(self):
        super().setUp()
        # noccp: our pppd refuses CCP, and MPPE would wipe the keys.
        self.server, self.pppd_log = start_sstpd(self.guest, sstpd_program(), ("noccp",))

    def test_binding_checked_by_sstpd(self):
        client = self.start_client(GUEST_IP, "--no-ipv6")
        try:
            out = client.wait_for("connected:", timeout=90)
        except AssertionError as e:
            self.fail(f"{e}\n--- sstpd\n{self.server.output()}\n--- pppd\n{read(self.pppd_log)}")
        self.assertRegex(out, r"connected: ppp\d+, 10\.201\.0\.\d+")
        log = self.server.wait_for("Crypto Binding is valid.", timeout=20)
        self.assertIn("Received Higher Layer Authentication Key", log)
        self.assertNotIn("Crypto Binding is invalid", log)
        self.guest_ping(TUNNEL_SERVER_IP)
        self.assertEqual(client.stop(), 0, client.output())
        self.assert_no_pppd_left()


def tearDownModule():
    cleanup_pki()


if __name__ == "__main__":
    unittest.main()
