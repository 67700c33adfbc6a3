"""Real NetworkManager with our plugin (issue 5): nmcli brings sstp-work up
against the bundled server, the TUN has the assigned /32 with its peer, the
DNS shows, down removes the TUN; a wrong password is a login failure;
`nmcli --ask` prompts through a pty; two profiles at once; a keyfile the
way network-manager-sstp writes one connects unchanged."""
import os
import pty
import re
import select
import time
import unittest
import uuid

from harness import CLIENT_IP, PASSWORD, SERVER_IP, TUNNEL_SERVER_IP, TunnelTestCase, cleanup_pki, pki, run
from nm import AUTH_DIALOG, EDITOR_PLUGIN, NetworkManager
from radius import FREERADIUS, RADIUS_PORT, RADIUS_SERVER_NAME, FreeRADIUS

KEY_PASSPHRASE = "pkcs12 passphrase 9d04"


class NetworkManagerTests(TunnelTestCase):
    def setUp(self):
        super().setUp()
        for f in (EDITOR_PLUGIN, AUTH_DIALOG):
            if not os.path.exists(f):
                self.fail(f"{f} is missing: run make build")
        self.server = self.start_server()
        self.nm = NetworkManager(os.path.join(self.tmp, "nm"), self.ns.client)
        self.addCleanup(self.nm.stop)
        self.nm.start()
        # NetworkManager takes over veth-c with the same address.
        self.nm.base_connection("veth-c", f"{CLIENT_IP}/24", "10.99.0.254")

    def add_profile(self, name, *extra_data, secrets=True):
        data = f"gateway={SERVER_IP}, user=alice, ca-cert={os.path.join(pki(), 'root.pem')}, password-flags=0"
        for item in extra_data:
            data += ", " + item
        args = ["connection", "add", "type", "vpn", "con-name", name, "vpn-type", "sstp", "vpn.data", data]
        if secrets:
            args += ["vpn.secrets", f"password={PASSWORD}"]
        self.nm.nmcli(*args)

    def tun_addresses(self):
        out = run("ip", "-n", self.ns.client, "-o", "-4", "addr", "show").stdout
        return re.findall(r"\d+: (sstp\d+)\s+inet (10\.201\.0\.\d+) peer (10\.201\.0\.1)/32", out)

    def test_up_show_down(self):
        self.add_profile("sstp-work")
        r = self.nm.nmcli("connection", "up", "sstp-work")
        self.assertIn("successfully activated", r.stdout)
        tuns = self.tun_addresses()
        self.assertEqual(len(tuns), 1, run("ip", "-n", self.ns.client, "addr").stdout)
        show = self.nm.nmcli("-f", "IP4", "connection", "show", "sstp-work").stdout
        self.assertIn("10.201.0.53", show)
        self.assertRegex(show, r"IP4.ADDRESS\[1\]:\s+10\.201\.0\.\d+/32")
        r = self.ping(self.ns.client, TUNNEL_SERVER_IP)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.server.wait_for("Crypto binding is valid")
        self.nm.nmcli("connection", "down", "sstp-work")
        deadline = time.monotonic() + 10
        # NetworkManager removes the addresses first; the TUN goes when the
        # plugin has closed it.
        while time.monotonic() < deadline and "sstp" in self.ns.links(self.ns.client):
            time.sleep(0.2)
        self.assertEqual(self.tun_addresses(), [])
        self.assert_nothing_left()

    def test_wrong_password_is_a_login_failure(self):
        self.nm.nmcli("connection", "add", "type", "vpn", "con-name", "bad", "vpn-type", "sstp", "vpn.data",
                      f"gateway={SERVER_IP}, user=alice, ca-cert={os.path.join(pki(), 'root.pem')}, password-flags=0",
                      "vpn.secrets", "password=not-the-password")
        r = self.nm.nmcli("connection", "up", "bad", check=False)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("Invalid secrets", r.stderr, r.stdout + r.stderr + self.nm.read_log())
        self.assertIn("login-failed", self.nm.read_log())
        self.assert_nothing_left()

    def test_ask_prompts_for_the_password(self):
        self.add_profile("asked", secrets=False)
        status, text, answered = nmcli_ask_up(self.nm, "asked", PASSWORD)
        self.assertTrue(answered, text + self.nm.read_log())
        self.assertNotIn(PASSWORD, text, "the password was echoed")
        self.assertEqual(status, 0, text + self.nm.read_log())
        self.assertIn("successfully activated", text)
        self.assertEqual(len(self.tun_addresses()), 1)

    def test_two_profiles_at_once(self):
        self.add_profile("one")
        self.add_profile("two")
        self.nm.nmcli("connection", "up", "one")
        self.nm.nmcli("connection", "up", "two")
        tuns = self.tun_addresses()
        self.assertEqual(len(tuns), 2, tuns)
        self.assertNotEqual(tuns[0][1], tuns[1][1])
        active = self.nm.nmcli("-t", "-f", "NAME", "connection", "show", "--active").stdout.split()
        self.assertIn("one", active)
        self.assertIn("two", active)
        self.nm.nmcli("connection", "down", "one")
        self.nm.nmcli("connection", "down", "two")

    def test_network_manager_sstp_keyfile_connects_unchanged(self):
        # The keys and layout network-manager-sstp 1.3 writes (its editor sets
        # tls-ext, refuses PAP/CHAP/MS-CHAP, and uses LCP echo 5/30).
        self.nm.write_keyfile("legacy", f"""[connection]
id=legacy
uuid={uuid.uuid4()}
type=vpn
autoconnect=false

[vpn]
ca-cert={os.path.join(pki(), 'root.pem')}
connection-type=password
gateway={SERVER_IP}
ignore-cert-warn=no
lcp-echo-failure=5
lcp-echo-interval=30
password-flags=0
refuse-chap=yes
refuse-eap=yes
refuse-mschap=yes
refuse-pap=yes
require-mppe=yes
tls-ext=yes
user=alice
service-type=org.freedesktop.NetworkManager.sstp

[vpn-secrets]
password={PASSWORD}

[ipv4]
method=auto

[ipv6]
addr-gen-mode=default
method=auto

[proxy]
""")
        r = self.nm.nmcli("connection", "up", "legacy")
        self.assertIn("successfully activated", r.stdout)
        self.assertEqual(len(self.tun_addresses()), 1)
        # Keys without effect are accepted and noted.
        self.assertIn("require-mppe=yes has no effect", self.nm.read_log())
        self.assertIn("authenticated with MS-CHAPv2", self.server.output())
        self.nm.nmcli("connection", "down", "legacy")

    def tun_name(self):
        names = re.findall(r"\d+: (sstp\d+)", run("ip", "-n", self.ns.client, "-o", "link", "show").stdout)
        self.assertEqual(len(names), 1, names)
        return names[0]

    def test_link_local_ipv6_gives_no_default_route(self):
        """Issue 16 item 5: IPv6CP brings only interface identifiers
        (link-local), so NetworkManager must not route IPv6 into sstp0."""
        self.add_profile("v6")
        self.nm.nmcli("connection", "up", "v6")
        tun = self.tun_name()
        self.assertIn("IPv6CP opened", self.nm.read_log())
        routes = run("ip", "-n", self.ns.client, "-6", "route", "show").stdout
        self.assertNotRegex(routes, rf"(?m)^default .*dev {tun}\b", routes)
        self.assertNotRegex(routes, rf"(?m)^(::/0|::/1|8000::/1) .*dev {tun}\b", routes)
        self.nm.nmcli("connection", "down", "v6")

    def test_ipv6_no_leaves_the_tun_without_ipv6(self):
        """ipv6=no: no IPv6 address on the TUN, not even a link-local one."""
        self.add_profile("nov6", "ipv6=no")
        self.nm.nmcli("connection", "up", "nov6")
        tun = self.tun_name()
        out = run("ip", "-n", self.ns.client, "-6", "addr", "show", "dev", tun).stdout
        self.assertEqual(out, "")
        self.nm.nmcli("connection", "down", "nov6")

    def test_certificate_failure_is_reported_specifically(self):
        """Issue 16 item 6: a certificate the profile does not trust fails
        with a reason other than "Unknown reason", and the plugin's log line
        names the vpn.data keys to change, not command-line flags."""
        self.nm.nmcli("connection", "add", "type", "vpn", "con-name", "untrusted", "vpn-type", "sstp", "vpn.data",
                      f"gateway={SERVER_IP}, user=alice, server-name=sstp.test, password-flags=0",
                      "vpn.secrets", f"password={PASSWORD}")
        r = self.nm.nmcli("connection", "up", "untrusted", check=False)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("Connection activation failed", r.stderr)
        self.assertNotIn("nknown reason", r.stderr, r.stderr)
        log = self.nm.read_log()
        self.assertRegex(log, r"vpn\.data (ca-cert|cert-pin)", log[-6000:])
        for flag in ("--ca-cert", "--extra-ca", "--pin"):
            self.assertNotIn(flag, log)
        self.assert_nothing_left()

    def test_unknown_key_is_refused_by_name(self):
        self.add_profile("odd", "colour=blue")
        r = self.nm.nmcli("connection", "up", "odd", check=False)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("The VPN service failed to start", r.stderr)
        self.assertIn('unknown vpn.data key "colour"', self.nm.read_log())


def nmcli_ask_up(nm, name, answer, prompt=rb"[Pp]assword[^\n]*:\s*$"):
    """`nmcli --ask connection up NAME` on a pty, typing `answer` at the
    first prompt matching `prompt`: (exit status, output, answered)."""
    pid, fd = pty.fork()
    if pid == 0:
        os.execvpe("nmcli", ["nmcli", "--ask", "connection", "up", name], nm.env)
    output = b""
    answered = False
    deadline = time.monotonic() + 90
    status = None
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                chunk = b""
            if not chunk:
                break
            output += chunk
            if not answered and re.search(prompt, output):
                os.write(fd, (answer + "\n").encode())
                answered = True
        done, st = os.waitpid(pid, os.WNOHANG)
        if done:
            status = st
            break
    if status is None:
        _, status = os.waitpid(pid, 0)
    os.close(fd)
    return os.waitstatus_to_exitcode(status), output.decode(errors="replace"), answered


class NetworkManagerEAPTLS(TunnelTestCase):
    """An EAP-TLS profile with an encrypted PKCS#12 key and no saved
    passphrase: `nmcli --ask` prompts for tls-user-key-secret through our
    auth dialog, and the tunnel comes up through the bundled server and
    FreeRADIUS (radius.py)."""

    def setUp(self):
        for f in (EDITOR_PLUGIN, AUTH_DIALOG, FREERADIUS):
            if not os.path.exists(f):
                self.fail(f"{f} is missing: run make build (freeradius is in APT_PACKAGES)")
        super().setUp()
        self.radius = FreeRADIUS(lambda *a: self.ns.exec(self.ns.server, *a), {})
        self.addCleanup(self.radius.close)
        self.radius.start()
        self.server = self.start_server("--methods", "eap", "--radius", f"127.0.0.1:{RADIUS_PORT}",
                                        "--radius-secret-file", self.radius.secret_file(),
                                        "--eap-key-layout", "truncated")
        self.nm = NetworkManager(os.path.join(self.tmp, "nm"), self.ns.client)
        self.addCleanup(self.nm.stop)
        self.nm.start()
        self.nm.base_connection("veth-c", f"{CLIENT_IP}/24", "10.99.0.254")

    def test_ask_prompts_for_the_pkcs12_passphrase(self):
        rp = self.radius.pki
        pass_file = self.secret_file("p12-pass", KEY_PASSPHRASE)
        p12 = os.path.join(self.tmp, "alice.p12")
        run("openssl", "pkcs12", "-export", "-in", os.path.join(rp, "alice.pem"),
            "-inkey", os.path.join(rp, "alice.key"), "-out", p12, "-passout", f"file:{pass_file}")
        data = (f"gateway={SERVER_IP}, user=alice, ca-cert={os.path.join(pki(), 'root.pem')}, "
                f"connection-type=tls, tls-user-cert={p12}, tls-ca-cert={os.path.join(rp, 'ca.pem')}, "
                f"tls-remotename={RADIUS_SERVER_NAME}, tls-user-key-secret-flags=0")
        self.nm.nmcli("connection", "add", "type", "vpn", "con-name", "eap-tls", "vpn-type", "sstp",
                      "vpn.data", data)
        status, text, answered = nmcli_ask_up(self.nm, "eap-tls", KEY_PASSPHRASE,
                                               prompt=rb"Private key password[^\n]*:\s*$")
        self.assertTrue(answered, text + self.nm.read_log())
        self.assertNotIn(KEY_PASSPHRASE, text, "the passphrase was echoed")
        self.assertEqual(status, 0, text + self.nm.read_log())
        self.assertIn("successfully activated", text)
        log = self.server.wait_for("Crypto binding is valid", timeout=20)
        self.assertIn("runs EAP-TLS", log)
        r = self.ping(self.ns.client, TUNNEL_SERVER_IP)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertNotIn(KEY_PASSPHRASE, self.nm.read_log())
        self.nm.nmcli("connection", "down", "eap-tls")

    def test_network_manager_sstp_profile_without_a_user(self):
        # The keys network-manager-sstp's editor writes for EAP-TLS: no
        # user (the identity is the subject it read from the certificate),
        # the verify method with the remote name, key usage, a TLS ceiling.
        rp = self.radius.pki
        data = (f"gateway={SERVER_IP}, ca-cert={os.path.join(pki(), 'root.pem')}, connection-type=tls, "
                f"tls-user-cert={os.path.join(rp, 'alice.pem')}, tls-user-key={os.path.join(rp, 'alice.key')}, "
                f"tls-ca-cert={os.path.join(rp, 'ca.pem')}, tls-subject-name=alice, tls-verify-method=name, "
                f"tls-remotename={RADIUS_SERVER_NAME}, tls-verify-key-usage=yes, tls-max-version=1.2, "
                "tls-user-key-secret-flags=4")
        self.nm.nmcli("connection", "add", "type", "vpn", "con-name", "nm-sstp-tls", "vpn-type", "sstp",
                      "vpn.data", data)
        r = self.nm.nmcli("connection", "up", "nm-sstp-tls")
        self.assertIn("successfully activated", r.stdout)
        log = self.server.wait_for("Crypto binding is valid", timeout=20)
        self.assertIn("accepted alice", log)
        self.assertIn("send TLS 1.2 Handshake", self.radius.output())
        self.assertNotIn("send TLS 1.3 Handshake", self.radius.output())
        r = self.ping(self.ns.client, TUNNEL_SERVER_IP)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.nm.nmcli("connection", "down", "nm-sstp-tls")


def tearDownModule():
    cleanup_pki()


if __name__ == "__main__":
    unittest.main()
