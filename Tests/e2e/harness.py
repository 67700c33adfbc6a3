"""Shared pieces of the end-to-end tests: network namespaces joined by a
veth pair, a throwaway PKI, and the client and server processes.

Everything a test makes it also removes: namespaces, processes (killed by
PID), temporary files. Traffic goes only to addresses inside the
namespaces the tests create.
"""
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.path.abspath(os.environ.get("SSTP_BUILD_DIR", os.path.join(ROOT, ".build", "debug")))
SSTP = os.path.join(BUILD, "sstp")
SERVER = os.path.join(BUILD, "sstp-test-server")
TRANSFER = os.path.join(os.path.dirname(__file__), "transfer.py")

SERVER_IP = "10.99.0.1"
CLIENT_IP = "10.99.0.2"
TUNNEL_SERVER_IP = "10.201.0.1"
USER, PASSWORD = "alice", "correct horse battery staple"


def run(*args, check=True, **kw):
    return subprocess.run(args, check=check, capture_output=True, text=True, **kw)


class Namespaces:
    """Two namespaces, server and client, joined by a veth pair."""

    def __init__(self, tag):
        suffix = f"{os.getpid() % 100000}{tag}"
        self.server = f"sstps{suffix}"
        self.client = f"sstpc{suffix}"
        self.created = []

    def __enter__(self):
        try:
            self.make()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def make(self):
        for ns in (self.server, self.client):
            run("ip", "netns", "add", ns)
            self.created.append(ns)
            run("ip", "-n", ns, "link", "set", "lo", "up")
        run("ip", "link", "add", "veth-s", "netns", self.server, "type", "veth",
            "peer", "name", "veth-c", "netns", self.client)
        run("ip", "-n", self.server, "addr", "add", f"{SERVER_IP}/24", "dev", "veth-s")
        run("ip", "-n", self.client, "addr", "add", f"{CLIENT_IP}/24", "dev", "veth-c")
        run("ip", "-n", self.server, "link", "set", "veth-s", "up")
        run("ip", "-n", self.client, "link", "set", "veth-c", "up")
        return self

    def __exit__(self, *exc):
        for ns in self.created:
            for pid in run("ip", "netns", "pids", ns, check=False).stdout.split():
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except (ProcessLookupError, ValueError):
                    pass
            run("ip", "netns", "del", ns, check=False)
        self.created = []
        return False

    def exec(self, ns, *args):
        return ["ip", "netns", "exec", ns, *args]

    def links(self, ns):
        return run("ip", "-n", ns, "-o", "link", "show").stdout

    def routes(self, ns):
        return run("ip", "-n", ns, "route", "show").stdout


_pki_dir = None


def pki():
    """A throwaway PKI (Tests/tls-pki/make-test-pki.sh), made once per run."""
    global _pki_dir
    if _pki_dir is None:
        _pki_dir = tempfile.mkdtemp(prefix="sstp-e2e-pki-")
        run("sh", os.path.join(ROOT, "Tests", "tls-pki", "make-test-pki.sh"), _pki_dir)
    return _pki_dir


def cleanup_pki():
    global _pki_dir
    if _pki_dir:
        shutil.rmtree(_pki_dir, ignore_errors=True)
        _pki_dir = None


class Process:
    """A process whose output goes to a file we can search."""

    def __init__(self, argv, name, stdin_text=None):
        self.name = name
        self.log = tempfile.NamedTemporaryFile(prefix=f"sstp-e2e-{name}-", suffix=".log", delete=False)
        self.proc = subprocess.Popen(argv, stdout=self.log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.PIPE if stdin_text is not None else subprocess.DEVNULL)
        if stdin_text is not None:
            self.proc.stdin.write(stdin_text.encode())
            self.proc.stdin.close()

    def output(self):
        with open(self.log.name, "r", errors="replace") as f:
            return f.read()

    def wait_for(self, text, timeout=20):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            out = self.output()
            if text in out:
                return out
            if self.proc.poll() is not None:
                raise AssertionError(f"{self.name} exited ({self.proc.returncode}) before '{text}':\n{out}")
            time.sleep(0.05)
        raise AssertionError(f"{self.name}: no '{text}' within {timeout}s:\n{self.output()}")

    def stop(self, sig=signal.SIGTERM, timeout=10):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode

    def wait(self, timeout=30):
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError(f"{self.name} did not exit within {timeout}s:\n{self.output()}")

    def close(self):
        self.stop(signal.SIGKILL, timeout=5)
        try:
            os.unlink(self.log.name)
        except OSError:
            pass


class TunnelTestCase(unittest.TestCase):
    """Per test: fresh namespaces, a users file, a password file, and
    helpers to start the server and the client."""

    server_args = []

    def setUp(self):
        if os.geteuid() != 0:
            self.skipTest("needs root for network namespaces")
        for binary in (SSTP, SERVER):
            if not os.path.exists(binary):
                self.fail(f"{binary} is missing: run make build first")
        # Cleanups, unlike tearDown, also run when a setUp fails halfway:
        # nothing a test made may outlive it. They run last-in first-out.
        self.tmp = tempfile.mkdtemp(prefix="sstp-e2e-")
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)
        self.ns = Namespaces(self.id().split(".")[-1][-6:].replace("_", ""))
        self.addCleanup(self.ns.__exit__, None, None, None)
        self.ns.__enter__()
        self.processes = []
        self.addCleanup(self.close_processes)
        self.users = os.path.join(self.tmp, "users")
        with open(self.users, "w") as f:
            f.write(f"{USER}:{PASSWORD}\n")
        self.password_file = self.secret_file("password", PASSWORD)

    def close_processes(self):
        for p in self.processes:
            p.close()

    def secret_file(self, name, value):
        path = os.path.join(self.tmp, name)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.write(fd, (value + "\n").encode())
        os.close(fd)
        return path

    def start_server(self, *extra, cert="sstp-chain.pem", key="leaf.key"):
        d = pki()
        port_file = os.path.join(self.tmp, "port")
        argv = self.ns.exec(self.ns.server, SERVER, "--listen", f"{SERVER_IP}:443",
                            "--cert", os.path.join(d, cert), "--key", os.path.join(d, key),
                            "--users", self.users, "--local", TUNNEL_SERVER_IP,
                            "--pool", "10.201.0.10-10.201.0.20", "--dns", "10.201.0.53",
                            "--port-file", port_file, *self.server_args, *extra)
        p = Process(argv, "server")
        self.processes.append(p)
        p.wait_for("listening on")
        return p

    def client_argv(self, *extra, user=USER, password_file=None, ca="root.pem", server=SERVER_IP,
                    server_name="sstp.test"):
        argv = [SSTP, "connect", server, "--user", user,
                "--password-file", password_file or self.password_file, "-v"]
        if ca:
            argv += ["--ca-cert", os.path.join(pki(), ca)]
        if server_name:
            argv += ["--server-name", server_name]
        return self.ns.exec(self.ns.client, *argv, *extra)

    def start_client(self, *extra, **kw):
        p = Process(self.client_argv(*extra, **kw), "client")
        self.processes.append(p)
        return p

    def ping(self, ns, address, count=3, six=False):
        args = ["ping", "-6" if six else "-4", "-c", str(count), "-i", "0.2", "-W", "2", address]
        return run(*self.ns.exec(ns, *args), check=False)

    def transfer(self, size, listen_ns, listen_ip, connect_ns, port=5201):
        """Moves `size` bytes from connect_ns to listen_ns through TCP and
        checks the SHA-256 on both ends."""
        sink = subprocess.Popen(self.ns.exec(listen_ns, "python3", TRANSFER, "sink", listen_ip, str(port)),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            time.sleep(0.3)
            source = run(*self.ns.exec(connect_ns, "python3", TRANSFER, "source", listen_ip, str(port), str(size)),
                         check=False, timeout=600)
            out, err = sink.communicate(timeout=60)
        finally:
            if sink.poll() is None:
                sink.kill()
                sink.wait()
        self.assertEqual(source.returncode, 0, source.stdout + source.stderr)
        return source.stdout.strip(), out.strip()

    def start_transfer(self, size, listen_ns, listen_ip, connect_ns, port=5201):
        """Starts a transfer and returns (sink, source) processes."""
        sink = subprocess.Popen(self.ns.exec(listen_ns, "python3", TRANSFER, "sink", listen_ip, str(port)),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.3)
        source = subprocess.Popen(
            self.ns.exec(connect_ns, "python3", TRANSFER, "source", listen_ip, str(port), str(size)),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return sink, source

    def assert_nothing_left(self):
        """No TUN of ours, no route through it, in the client namespace."""
        names = [line.split(":")[1].strip().split("@")[0]
                 for line in self.ns.links(self.ns.client).splitlines() if ":" in line]
        self.assertEqual([n for n in names if n.startswith("sstp")], [], names)
        routes = self.ns.routes(self.ns.client)
        self.assertNotIn("dev sstp", routes, routes)
        self.assertNotIn("10.201.", routes, routes)
