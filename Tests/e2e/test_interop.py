"""Interop with third-party SSTP programs that need kernel PPP. They run in
a User-Mode Linux guest (uml.py), since the test machines' kernel has no PPP;
our programs run on the host, in the namespace that holds the guest's TAP.

  - Our client against PyPI's sstpd (sstp-server 0.6.0, Python 3.9) with
    pppd and Debian's sstp-pppd-plugin.so, which hands sstpd the MPPE keys
    so that it really checks our crypto binding: MS-CHAPv2, the binding
    logged as valid, ping both ways and a byte-exact transfer each way; with
    the binding broken on purpose (--test-corrupt-crypto-binding) sstpd
    aborts and our client reports its abort status.
  - Debian's sstpc (sstp-client 1.0.18) with pppd against our test server:
    the link comes up with an address from our pool, ping works both ways,
    and our server verified sstpc's crypto binding; a binding made from a
    wrong password is refused by our server.

The sstpd virtualenv is made here on first use, from pyenv's Python 3.9,
in .build/sstpd-venv (git-ignored; SSTPD_VENV overrides), and reused.
"""
import glob
import ipaddress
import os
import re
import shutil
import subprocess
import time
import unittest

from harness import PASSWORD, ROOT, SERVER, SSTP, TRANSFER, USER, Process, cleanup_pki, pki, run
from uml import Guest

SSTPD_VERSION = "0.6.0"
SSTPD_VENV = os.environ.get("SSTPD_VENV", os.path.join(ROOT, ".build", "sstpd-venv"))
TRANSFER_BYTES = int(os.environ.get("SSTP_INTEROP_TRANSFER_BYTES", str(8 * 1000 * 1000)))

HOST_IP, GUEST_IP = "10.97.0.1", "10.97.0.2"
TUNNEL_SERVER_IP = "10.201.0.1"
POOL = ("10.201.0.10", "10.201.0.20")
DNS = "10.201.0.53"
# Secrets in the guest's private /etc/ppp: chap-secrets quotes the password.
CHAP_SECRETS = f'{USER} sstpd "{PASSWORD}" *\n'


def python39():
    """pyenv's newest 3.9 (sstpd runs on 3.9 or older only: on 3.10 and
    3.11 its C extension crashes on the first PPP frame)."""
    explicit = os.environ.get("SSTPD_PYTHON")
    if explicit:
        return explicit
    pyenv = os.environ.get("PYENV_ROOT", os.path.expanduser("~/.pyenv"))
    found = glob.glob(os.path.join(pyenv, "versions", "3.9.*", "bin", "python3.9"))
    found.sort(key=lambda p: [int(x) for x in re.findall(r"3\.9\.(\d+)", p)[-1:]])
    if not found:
        raise AssertionError(f"no Python 3.9 under {pyenv}/versions (pyenv); set SSTPD_PYTHON to one")
    return found[-1]


def sstpd_program():
    """The sstpd of a venv with sstp-server SSTPD_VERSION, made when missing."""
    sstpd = os.path.join(SSTPD_VENV, "bin", "sstpd")
    marker = os.path.join(SSTPD_VENV, f".sstp-server-{SSTPD_VERSION}")
    if os.path.exists(marker) and os.path.exists(sstpd):
        return sstpd
    shutil.rmtree(SSTPD_VENV, ignore_errors=True)
    try:
        run(python39(), "-m", "venv", SSTPD_VENV)
        run(os.path.join(SSTPD_VENV, "bin", "python"), "-m", "pip", "install", "-q",
            "--disable-pip-version-check", f"sstp-server=={SSTPD_VERSION}", timeout=600)
    except subprocess.CalledProcessError as e:
        shutil.rmtree(SSTPD_VENV, ignore_errors=True)
        raise AssertionError(f"could not make the sstpd venv: {e.cmd}\n{e.stdout}\n{e.stderr}")
    open(marker, "w").close()
    return sstpd


def start_sstpd(guest, sstpd, extra_pppd_options=()):
    """sstpd + pppd (MS-CHAPv2 only, DNS handed out) in the guest, with
    Debian's sstp-pppd-plugin.so so that it checks crypto bindings. Returns
    the sstpd process and the path of pppd's log."""
    d = pki()
    cert = guest.copy_in(os.path.join(d, "sstp-chain.pem"))
    key = guest.copy_in(os.path.join(d, "leaf.key"), mode=0o600)
    pppd_log = guest.path("pppd.log")
    options = guest.write_file("options.sstpd", "\n".join([
        "name sstpd", "require-mschap-v2", "refuse-pap", "refuse-chap", "refuse-mschap", "refuse-eap",
        "nologfd", "nodefaultroute", f"ms-dns {DNS}", *extra_pppd_options, "debug", f"logfile {pppd_log}", ""]))
    server = guest.spawn(
        f"exec {sstpd} -l {GUEST_IP} -p 443 -c {cert} -k {key} --local {TUNNEL_SERVER_IP}"
        f" --remote 10.201.0.0/24 --range {POOL[0]}-{POOL[1]} --pppd-config {options} -v 10", "sstpd")
    server.wait_for(f"Listening on {GUEST_IP}:443", timeout=60)
    return server, pppd_log


def read(path):
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except FileNotFoundError:
        return ""


def wait_for_file(path, text, timeout, alive=None):
    """Waits until `text` is in the file at `path`; returns its content."""
    deadline = time.monotonic() + timeout
    content = ""
    while time.monotonic() < deadline:
        content = read(path)
        if text in content:
            return content
        if alive:
            alive()
        time.sleep(0.05)
    raise AssertionError(f"no '{text}' in {path} within {timeout}s:\n{content}")


class GuestTestCase(unittest.TestCase):
    """One guest per test, plus host-side processes in its namespace."""

    guest_init = []
    guest_binds = {}
    guest_etc_ppp = {}

    def setUp(self):
        if os.geteuid() != 0:
            self.skipTest("needs root for network namespaces and UML's TAP")
        for binary in (SSTP, SERVER):
            if not os.path.exists(binary):
                self.fail(f"{binary} is missing: run make build first")
        self.processes = []
        self.guest = Guest(self.id().split(".")[-1][-4:].replace("_", ""), host_ip=HOST_IP, guest_ip=GUEST_IP,
                           init=self.guest_init, binds=self.guest_binds, etc_ppp=self.guest_etc_ppp)
        self.addCleanup(self.guest.shutdown)
        self.guest.boot()
        self.addCleanup(self.close_processes)

    def close_processes(self):
        for p in self.processes:
            p.close()

    def host_process(self, argv, name):
        p = Process(self.guest.host_exec(*argv), name)
        self.processes.append(p)
        return p

    def host_ping(self, address):
        r = run(*self.guest.host_exec("ping", "-4", "-c", "3", "-i", "0.2", "-W", "2", address), check=False)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn(" 0% packet loss", r.stdout)

    def guest_ping(self, address):
        rc, out = self.guest.run(f"ping -4 -c 3 -i 0.2 -W 2 {address}", check=False, timeout=30)
        self.assertEqual(rc, 0, out)
        self.assertIn(" 0% packet loss", out)

    def transfer_to_guest(self, address, port=5201):
        """Host namespace -> guest through the tunnel, SHA-256 on both ends."""
        sink = self.guest.spawn(f"exec python3 {TRANSFER} sink {address} {port}", "sink")
        source = run(*self.guest.host_exec("python3", TRANSFER, "source", address, str(port), str(TRANSFER_BYTES)),
                     check=False, timeout=300)
        self.assertEqual(source.returncode, 0, source.stdout + source.stderr)
        self.assertEqual(sink.wait(60), 0, sink.output())
        return source.stdout.strip(), sink.output().strip()

    def transfer_from_guest(self, address, port=5202):
        """Guest -> host namespace through the tunnel."""
        sink = subprocess.Popen(self.guest.host_exec("python3", TRANSFER, "sink", address, str(port)),
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            rc, out = self.guest.run(f"exec python3 {TRANSFER} source {address} {port} {TRANSFER_BYTES}",
                                     check=False, timeout=300, name="source")
            received, _ = sink.communicate(timeout=60)
        finally:
            if sink.poll() is None:
                sink.kill()
                sink.wait()
        self.assertEqual(rc, 0, out)
        return out.strip(), received.strip()

    def assert_transfer(self, sent, received):
        self.assertEqual(sent, received)
        self.assertTrue(sent.startswith(f"{TRANSFER_BYTES} "), sent)

    def host_link_names(self):
        out = run("ip", "-n", self.guest.netns, "-o", "link", "show").stdout
        return [line.split(":")[1].strip().split("@")[0] for line in out.splitlines() if ":" in line]


class OurClientAgainstSstpd(GuestTestCase):
    """Our client on the host against sstpd + pppd + sstp-pppd-plugin.so in
    the guest."""

    guest_etc_ppp = {"chap-secrets": CHAP_SECRETS}

    @classmethod
    def setUpClass(cls):
        cls.sstpd = sstpd_program()

    def setUp(self):
        super().setUp()
        self.server, self.pppd_log = start_sstpd(self.guest, self.sstpd)
        self.password_file = self.guest.write_file("password", PASSWORD + "\n", 0o600)

    def start_client(self, *extra):
        return self.host_process(
            [SSTP, "connect", GUEST_IP, "--user", USER, "--password-file", self.password_file,
             "--ca-cert", os.path.join(pki(), "root.pem"), "--server-name", "sstp.test", "-v", *extra], "client")

    def logs(self, client):
        return (f"--- client\n{client.output()}\n--- sstpd\n{self.server.output()}\n"
                f"--- pppd\n{read(self.pppd_log)}")

    def test_mschapv2_binding_checked_ping_and_transfer(self):
        client = self.start_client()
        out = client.wait_for("connected:", timeout=60)
        line = re.search(r"connected: (\S+), (10\.201\.0\.\d+) peer (\S+), DNS (\S+)", out)
        self.assertIsNotNone(line, out)
        address = line.group(2)
        self.assertEqual(line.group(3), TUNNEL_SERVER_IP, out)
        self.assertEqual(line.group(4), DNS, out)
        self.assertIn("authenticated with MS-CHAPv2", out)
        # sstpd got the MPPE keys from the plugin and checked the binding.
        log = self.server.wait_for("Crypto Binding is valid.", timeout=20)
        self.assertIn("Received Higher Layer Authentication Key", log)
        self.assertIn("Connection established.", log)
        self.assertNotIn("Crypto Binding is invalid", log)
        pppd = wait_for_file(self.pppd_log, f"remote IP address {address}", timeout=20)
        self.assertIn("sent [CHAP Success", pppd)
        self.assertIn("Plugin sstp-pppd-plugin.so loaded.", pppd)
        # Both ways through the tunnel.
        self.host_ping(TUNNEL_SERVER_IP)
        self.guest_ping(address)
        self.assert_transfer(*self.transfer_to_guest(TUNNEL_SERVER_IP))
        self.assert_transfer(*self.transfer_from_guest(address))
        # A clean disconnect, seen by sstpd, leaving nothing behind.
        self.assertEqual(client.stop(), 0, self.logs(client))
        self.assertIn("disconnected", client.output())
        self.server.wait_for("Received call disconnect request", timeout=20)
        names = self.host_link_names()
        self.assertEqual([n for n in names if n.startswith("sstp")], [], names)

    def test_broken_crypto_binding_is_aborted_by_sstpd(self):
        client = self.start_client("--test-corrupt-crypto-binding")
        try:
            rc = client.wait(60)
        except AssertionError:
            self.fail(self.logs(client))
        self.assertEqual(rc, 4, self.logs(client))
        out = client.output()
        self.assertIn("sending a deliberately wrong crypto binding", out)
        # sstpd 0.6.0 aborts with Status INVALID_FRAME_RECEIVED in a short
        # Status Info (no AttribID); our client reports that status.
        self.assertIn("error: the peer aborted the SSTP call: ATTRIB_STATUS_INVALID_FRAME_RECEIVED", out)
        log = self.server.wait_for("Crypto Binding is invalid.", timeout=20)
        self.assertIn("Received Higher Layer Authentication Key", log)
        self.assertNotIn("Crypto Binding is valid", log)
        self.assertNotIn("Connection established", log)


class SstpcAgainstOurServer(GuestTestCase):
    """Debian's sstpc + pppd in the guest against our test server on the
    host."""

    # sstpc 1.0.18 can exit right after connecting ("The event loop
    # terminated unsuccessfully") when the server finishes the TLS handshake
    # before it waits; 5 ms on the guest's link avoids that race.
    guest_init = ["tc qdisc add dev vec0 root netem delay 5ms"]
    # sstpc checks the certificate against root.pem for the name sstp.test.
    guest_binds = {"/etc/hosts": f"127.0.0.1 localhost\n{HOST_IP} sstp.test\n"}

    def setUp(self):
        super().setUp()
        g = self.guest
        d = pki()
        users = g.write_file("users", f"{USER}:{PASSWORD}\n", 0o600)
        self.ca = g.copy_in(os.path.join(d, "root.pem"))
        self.pppd_log = g.path("pppd.log")
        self.server = self.host_process(
            [SERVER, "--listen", f"{HOST_IP}:443", "--cert", os.path.join(d, "sstp-chain.pem"),
             "--key", os.path.join(d, "leaf.key"), "--users", users, "--local", TUNNEL_SERVER_IP,
             "--pool", f"{POOL[0]}-{POOL[1]}", "--dns", DNS, "--methods", "mschapv2"], "server")
        self.server.wait_for("listening on")

    def start_sstpc(self, sstpc_password=PASSWORD, pppd_password=None):
        # sstpc hands its password to pppd, and derives the crypto binding
        # from it; a `password` pppd option after `--` overrides pppd's.
        extra = f"password '{pppd_password}'" if pppd_password else ""
        return self.guest.spawn(
            f"exec sstpc --log-stderr --log-level 4 --ca-cert {self.ca} --user {USER}"
            f" --password '{sstpc_password}' sstp.test --"
            f" noauth refuse-eap refuse-pap refuse-chap refuse-mschap nodefaultroute {extra}"
            f" debug logfile {self.pppd_log}", "sstpc")

    def logs(self, sstpc):
        return (f"--- server\n{self.server.output()}\n--- sstpc\n{sstpc.output()}\n"
                f"--- pppd\n{read(self.pppd_log)}")

    def test_sstpc_gets_a_pool_address_and_a_verified_binding(self):
        sstpc = self.start_sstpc()
        try:
            out = self.server.wait_for("IPCP up: client ", timeout=60)
            pppd = wait_for_file(self.pppd_log, "local  IP address ", 20, alive=self.guest.check_alive)
        except AssertionError as e:
            self.fail(f"{e}\n{self.logs(sstpc)}")
        address = re.search(r"IPCP up: client (\S+)", out).group(1)
        self.assertTrue(ipaddress.ip_address(POOL[0]) <= ipaddress.ip_address(address)
                        <= ipaddress.ip_address(POOL[1]), address)
        self.assertIn("authenticated with MS-CHAPv2", out)
        self.assertIn("Crypto binding is valid; call connected", out)
        self.assertNotIn("crypto binding is invalid", out)
        # pppd in the guest got that address, and the kernel's ppp0 has it.
        self.assertIn(f"local  IP address {address}", pppd)
        self.assertIn(f"remote IP address {TUNNEL_SERVER_IP}", pppd)
        self.assertIn("CHAP authentication succeeded", pppd)
        rc, link = self.guest.run("ip -4 -o addr show dev ppp0", check=False)
        self.assertIn(f"inet {address} peer {TUNNEL_SERVER_IP}/32", link)
        self.assertIn("Connection Established", sstpc.output())
        # Both ways through the tunnel.
        self.guest_ping(TUNNEL_SERVER_IP)
        self.host_ping(address)
        self.assertIsNone(sstpc.returncode, self.logs(sstpc))
        # sstpc ends on SIGTERM; our server sees the call end.
        self.assertEqual(sstpc.stop(), 0, self.logs(sstpc))
        self.server.wait_for("call ended", timeout=20)

    def test_sstpc_with_a_wrong_binding_is_refused(self):
        # pppd has the right password (MS-CHAPv2 succeeds), sstpc a wrong
        # one: its crypto binding is made from the wrong keys.
        sstpc = self.start_sstpc(sstpc_password="not the password", pppd_password=PASSWORD)
        try:
            out = self.server.wait_for("crypto binding is invalid", timeout=60)
        except AssertionError as e:
            self.fail(f"{e}\n{self.logs(sstpc)}")
        self.assertIn("authenticated with MS-CHAPv2", out)
        self.server.wait_for("call ended", timeout=20)
        self.assertNotIn("Crypto binding is valid", self.server.output())
        self.assertNotIn("IPCP up", self.server.output())
        sstpc.stop()


def tearDownModule():
    cleanup_pki()


if __name__ == "__main__":
    unittest.main()
