"""EAP-TLS with code we did not write (issue 15), in the User-Mode Linux
guest (uml.py) since pppd needs kernel PPP:

  - Debian's sstpc driven by pppd 2.4.9's own EAP-TLS peer (pppd runs
    sstpc as its pty, and sstp-pppd-plugin.so hands sstpc the MPPE keys
    for the crypto binding) in the guest, against our test server on the
    host side relaying EAP to FreeRADIUS (radius.py). With
    --eap-key-layout truncated (HLAK = MSK[0..15] | MSK[32..47], the
    16-byte MPPE keys pppd derives for EAP-TLS) our server finds sstpc's
    binding valid and traffic moves; with the MSK[0..31] layout the same
    exchange fails the binding, so the layout is what decides.
  - PyPI's sstpd with pppd's own EAP-TLS authenticator (`require-eap`, a
    certificate from the RADIUS fixture's CA) and sstp-pppd-plugin.so, so
    that sstpd checks the binding: sstpc + pppd's EAP-TLS peer in the
    guest connects and sstpd logs "Crypto Binding is valid.". This is the
    authenticator our own EAP-TLS client is to meet (start_sstpd_eap_tls:
    such a test adds only the client's options).
"""
import os
import re
import unittest

from harness import PASSWORD, SERVER, SSTP, USER, cleanup_pki, pki
from radius import RADIUS_PORT, RADIUS_SERVER_NAME, FreeRADIUS, radius_pki
from test_interop import (DNS, GUEST_IP, HOST_IP, POOL, TUNNEL_SERVER_IP, GuestTestCase, read, sstpd_program,
                          wait_for_file)

# Plugin socket of sstpc --nolaunchpppd --ipparam eaptls.
SSTPC_SOCKET = "/var/run/sstpc/sstpc-eaptls"


class SstpcEAPTLSThroughRADIUS(GuestTestCase):
    """pppd (EAP-TLS peer) + sstpc in the guest -> our server -> FreeRADIUS."""

    guest_init = ["tc qdisc add dev vec0 root netem delay 5ms", "mkdir -p /run/sstpc"]
    guest_binds = {"/etc/hosts": f"127.0.0.1 localhost\n{HOST_IP} sstp.test\n"}

    def setUp(self):
        super().setUp()
        # FreeRADIUS starts with EAP-TLS: pppd's peer does not Nak to it.
        self.radius = FreeRADIUS(self.guest.host_exec, {}, default_eap="tls")
        self.addCleanup(self.radius.close)
        self.radius.start()
        self.radius_secret = self.radius.secret_file()
        g, rp = self.guest, self.radius.pki
        self.ca = g.copy_in(os.path.join(pki(), "root.pem"))
        self.radius_ca = g.copy_in(os.path.join(rp, "ca.pem"))
        self.pppd_log = g.path("pppd.log")

    def start_server(self, layout):
        d = pki()
        server = self.host_process(
            [SERVER, "--listen", f"{HOST_IP}:443", "--cert", os.path.join(d, "sstp-chain.pem"),
             "--key", os.path.join(d, "leaf.key"), "--local", TUNNEL_SERVER_IP,
             "--pool", f"{POOL[0]}-{POOL[1]}", "--dns", DNS, "--methods", "eap",
             "--radius", f"127.0.0.1:{RADIUS_PORT}", "--radius-secret-file", self.radius_secret,
             "--eap-key-layout", layout], "server")
        server.wait_for("listening on")
        return server

    def start_pppd(self, cert="alice"):
        g, rp = self.guest, self.radius.pki
        cert_file = g.copy_in(os.path.join(rp, f"{cert}.pem"))
        key_file = g.copy_in(os.path.join(rp, f"{cert}.key"), mode=0o600)
        sstpc = (f"sstpc --log-stderr --log-level 4 --ca-cert {self.ca} --nolaunchpppd"
                 f" --ipparam eaptls sstp.test")
        return g.spawn(
            f"exec pppd pty '{sstpc}' plugin sstp-pppd-plugin.so sstp-sock {SSTPC_SOCKET} ipparam eaptls"
            f" nodetach noauth refuse-pap refuse-chap refuse-mschap refuse-mschap-v2 nodefaultroute"
            f" user alice name alice ca {self.radius_ca} cert {cert_file} key {key_file}"
            f" debug logfile {self.pppd_log}", "pppd")

    def logs(self, server, pppd):
        return (f"--- server\n{server.output()}\n--- pppd+sstpc\n{pppd.output()[-3000:]}\n"
                f"--- pppd log\n{read(self.pppd_log)[-3000:]}")

    def test_pppd_eap_tls_binding_valid_with_truncated_master_keys(self):
        server = self.start_server("truncated")
        pppd = self.start_pppd()
        try:
            out = server.wait_for("IPCP up: client ", timeout=60)
        except AssertionError as e:
            self.fail(f"{e}\n{self.logs(server, pppd)}")
        self.assertIn("accepted alice (EAP-TLS)", out)
        self.assertIn("authenticated with EAP through the RADIUS server", out)
        self.assertIn("Crypto binding is valid; call connected", out)
        self.assertIn("EAP-TLS PRF label = client EAP encryption", read(self.pppd_log))
        self.assertIn("Login OK: [alice]", self.radius.output())
        self.guest_ping(TUNNEL_SERVER_IP)
        self.assertIsNone(pppd.returncode, self.logs(server, pppd))
        pppd.stop()
        server.wait_for("call ended", timeout=20)

    def test_pppd_eap_tls_binding_invalid_with_the_msk_layout(self):
        server = self.start_server("msk")
        pppd = self.start_pppd()
        try:
            out = server.wait_for("crypto binding is invalid", timeout=60)
        except AssertionError as e:
            self.fail(f"{e}\n{self.logs(server, pppd)}")
        self.assertIn("accepted alice (EAP-TLS)", out)
        self.assertNotIn("Crypto binding is valid", server.output())
        pppd.stop()

    def test_revoked_certificate_is_rejected_by_radius(self):
        server = self.start_server("truncated")
        pppd = self.start_pppd(cert="revoked")
        try:
            out = server.wait_for("RADIUS Access-Reject", timeout=60)
        except AssertionError as e:
            self.fail(f"{e}\n{self.logs(server, pppd)}")
        self.assertNotIn("IPCP up", out)
        self.assertIn("certificate revoked", self.radius.output())
        pppd.stop()


def start_sstpd_eap_tls(guest, sstpd, client="alice"):
    """sstpd + pppd requiring EAP-TLS (server certificate radius.test from
    the RADIUS fixture's CA, which also signs the client certificates) in
    the guest, with sstp-pppd-plugin.so so that sstpd checks bindings.
    Returns the sstpd process and the path of pppd's log."""
    d, rp = pki(), radius_pki()
    cert = guest.copy_in(os.path.join(d, "sstp-chain.pem"))
    key = guest.copy_in(os.path.join(d, "leaf.key"), mode=0o600)
    ca = guest.copy_in(os.path.join(rp, "ca.pem"))
    server_cert = guest.copy_in(os.path.join(rp, "server.pem"))
    server_key = guest.copy_in(os.path.join(rp, "server.key"), mode=0o600)
    # pppd 2.4.9's eaptls-server: client, server, client certificate (-: any
    # the CA signed), server certificate, CA, server key, addresses.
    guest.write_file("etc-ppp/eaptls-server", f"{client} sstpd - {server_cert} {ca} {server_key} *\n", 0o600)
    pppd_log = guest.path("pppd-server.log")
    options = guest.write_file("options.sstpd", "\n".join([
        "name sstpd", "require-eap", "refuse-pap", "refuse-chap", "refuse-mschap", "refuse-mschap-v2",
        "nologfd", "nodefaultroute", f"ms-dns {DNS}", f"ca {ca}", f"cert {server_cert}", f"key {server_key}",
        "debug", f"logfile {pppd_log}", ""]))
    server = guest.spawn(
        f"exec {sstpd} -l {GUEST_IP} -p 443 -c {cert} -k {key} --local {TUNNEL_SERVER_IP}"
        f" --remote 10.201.0.0/24 --range {POOL[0]}-{POOL[1]} --pppd-config {options} -v 10", "sstpd")
    server.wait_for(f"Listening on {GUEST_IP}:443", timeout=60)
    return server, pppd_log


class SstpcEAPTLSAgainstSstpd(GuestTestCase):
    """sstpd + pppd's EAP-TLS authenticator, and sstpc + pppd's EAP-TLS
    peer, both in the guest."""

    guest_init = ["tc qdisc add dev vec0 root netem delay 5ms", "mkdir -p /run/sstpc"]
    guest_binds = {"/etc/hosts": f"127.0.0.1 localhost\n{GUEST_IP} sstp.test\n"}

    @classmethod
    def setUpClass(cls):
        cls.sstpd = sstpd_program()

    def test_eap_tls_connects_and_sstpd_accepts_the_binding(self):
        g, rp = self.guest, radius_pki()
        server, server_log = start_sstpd_eap_tls(g, self.sstpd)
        ca = g.copy_in(os.path.join(pki(), "root.pem"))
        radius_ca = g.copy_in(os.path.join(rp, "ca.pem"))
        cert = g.copy_in(os.path.join(rp, "alice.pem"))
        key = g.copy_in(os.path.join(rp, "alice.key"), mode=0o600)
        client_log = g.path("pppd-client.log")
        sstpc = f"sstpc --log-stderr --log-level 4 --ca-cert {ca} --nolaunchpppd --ipparam eaptls sstp.test"
        pppd = g.spawn(
            f"exec pppd pty '{sstpc}' plugin sstp-pppd-plugin.so sstp-sock {SSTPC_SOCKET} ipparam eaptls"
            f" nodetach noauth refuse-pap refuse-chap refuse-mschap refuse-mschap-v2 nodefaultroute"
            f" user alice name alice ca {radius_ca} cert {cert} key {key} debug logfile {client_log}", "pppd")
        logs = lambda: (f"--- sstpd\n{server.output()[-3000:]}\n--- server pppd\n{read(server_log)[-3000:]}"
                        f"\n--- client pppd\n{read(client_log)[-3000:]}")
        try:
            out = server.wait_for("Crypto Binding is", timeout=60)
        except AssertionError as e:
            self.fail(f"{e}\n{logs()}")
        self.assertIn("Crypto Binding is valid.", out, logs())
        server.wait_for("Connection established.", timeout=20)
        self.assertIn("EAP-TLS PRF label = client EAP encryption", read(server_log))
        self.assertIn("sent [EAP Success", read(server_log))
        pppd.stop()
        server.stop()


class OurClientEAPTLSAgainstSstpd(GuestTestCase):
    """Our client's EAP-TLS (default HLAK layout) on the host against
    sstpd + pppd 2.4.9's EAP-TLS authenticator in the guest: sstpd checks
    the binding with the MPPE keys pppd derived, code we did not write."""

    @classmethod
    def setUpClass(cls):
        cls.sstpd = sstpd_program()

    def test_eap_tls_connects_sstpd_accepts_the_binding_ping_both_ways(self):
        server, server_log = start_sstpd_eap_tls(self.guest, self.sstpd)
        rp = radius_pki()
        password_file = self.guest.write_file("password", PASSWORD + "\n", 0o600)
        client = self.host_process(
            [SSTP, "connect", GUEST_IP, "--user", USER, "--password-file", password_file,
             "--ca-cert", os.path.join(pki(), "root.pem"), "--server-name", "sstp.test", "-v",
             "--auth", "tls", "--client-cert", os.path.join(rp, "alice.pem"),
             "--client-key", os.path.join(rp, "alice.key"), "--eap-ca-cert", os.path.join(rp, "ca.pem"),
             "--eap-server-name", RADIUS_SERVER_NAME], "client")
        logs = lambda: (f"--- client\n{client.output()}\n--- sstpd\n{server.output()[-3000:]}"
                        f"\n--- pppd\n{read(server_log)[-3000:]}")
        try:
            out = client.wait_for("connected:", timeout=60)
            log = server.wait_for("Crypto Binding is", timeout=20)
        except AssertionError as e:
            self.fail(f"{e}\n{logs()}")
        self.assertIn("Crypto Binding is valid.", log, logs())
        self.assertNotIn("Crypto Binding is invalid", log)
        self.assertIn("authenticated with EAP-TLS", out)
        line = re.search(r"connected: (\S+), (10\.201\.0\.\d+) peer", out)
        self.assertIsNotNone(line, out)
        address = line.group(2)
        pppd = wait_for_file(server_log, f"remote IP address {address}", timeout=20)
        self.assertIn("sent [EAP Success", pppd)
        self.assertIn("EAP-TLS PRF label = client EAP encryption", pppd)
        self.host_ping(TUNNEL_SERVER_IP)
        self.guest_ping(address)
        self.assertEqual(client.stop(), 0, logs())
        server.wait_for("Received call disconnect request", timeout=20)
        server.stop()


def tearDownModule():
    cleanup_pki()


if __name__ == "__main__":
    unittest.main()
