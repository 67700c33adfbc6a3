"""The bundled test server under abuse (issue 16 item 15): at its file
descriptor limit it backs off instead of spinning, idle and half-open
connections cannot lock real clients out, and nobody holds a connection
before login for longer than the deadlines.

"Not spinning" is checked as a correctness bound, not a benchmark: the CPU
time the server uses while it waits must stay a small fraction of the wall
time (a server that polls a listener it cannot accept from uses all of it),
and its log must stay a few lines (the old one wrote millions).
"""
import os
import resource
import signal
import time
import unittest

from harness import SERVER_IP, Process, TunnelTestCase, cleanup_pki

FLOOD = os.path.join(os.path.dirname(__file__), "flood.py")
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # utime and stime are fields 14 and 15 (proc(5)); fields[0] is field 3.
    return (int(fields[11]) + int(fields[12])) / TICKS


class ServerUnderAbuse(TunnelTestCase):
    def start_flood(self, *args, hold=60):
        p = Process(self.ns.exec(self.ns.client, "python3", FLOOD, SERVER_IP, "443", "--hold", str(hold), *args),
                    "flood")
        self.processes.append(p)
        p.wait_for("ready", timeout=60)
        return p

    def server_pid(self, server):
        # `ip netns exec` execs the server: the child's PID is the server's.
        pid = server.proc.pid
        with open(f"/proc/{pid}/comm") as f:
            self.assertTrue(f.read().startswith("sstp-test-serv"))
        return pid

    def set_fd_limit(self, pid, soft):
        _, hard = resource.prlimit(pid, resource.RLIMIT_NOFILE)
        resource.prlimit(pid, resource.RLIMIT_NOFILE, (min(soft, hard), hard))

    def lines(self, process):
        return process.output().count("\n")

    def assert_quiet_while(self, pid, server, seconds):
        """Over `seconds` of waiting, the server uses little CPU and logs little."""
        cpu0, lines0, t0 = cpu_seconds(pid), self.lines(server), time.monotonic()
        time.sleep(seconds)
        cpu, logged, wall = cpu_seconds(pid) - cpu0, self.lines(server) - lines0, time.monotonic() - t0
        tail = "\n".join(server.output().splitlines()[-5:])
        self.assertLess(cpu, 0.3 * wall, f"the server used {cpu:.2f}s of CPU in {wall:.2f}s:\n{tail}")
        self.assertLess(logged, 30, f"the server logged {logged} lines in {wall:.2f}s:\n{tail}")

    def test_fd_limit_backs_off_and_recovers(self):
        server = self.start_server()
        pid = self.server_pid(server)
        # No descriptor left for accept: the limit is the lowest free
        # descriptor number, so every accept fails with EMFILE.
        open_now = {int(fd) for fd in os.listdir(f"/proc/{pid}/fd")}
        self.set_fd_limit(pid, min(set(range(len(open_now) + 1)) - open_now))
        self.start_flood("--idle", "20")
        client = self.start_client()
        self.assert_quiet_while(pid, server, 3)
        out = server.output()
        self.assertIn("Too many open files", out)
        self.assertRegex(out, r"accept failed \d+ times?")
        # Descriptors again: the server resumes within its back-off interval.
        self.set_fd_limit(pid, 1024)
        client.wait_for("connected:", timeout=10)
        self.assertEqual(client.stop(), 0, client.output())
        self.assert_nothing_left()

    def test_idle_and_half_open_flood_does_not_lock_out_a_client(self):
        server = self.start_server()
        pid = self.server_pid(server)
        # A low limit (as a small host or a container may set): the flood
        # would take every descriptor without the cap on unauthenticated ones.
        self.set_fd_limit(pid, 512)
        self.start_flood("--idle", "1000", "--half-open", "100")
        started = time.monotonic()
        client = self.start_client()
        client.wait_for("connected:", timeout=5)
        self.assertLess(time.monotonic() - started, 5)
        self.assert_quiet_while(pid, server, 2)
        self.assertLess(self.lines(server), 200, server.output()[-2000:])
        self.assertRegex(server.output(), r"closed \d+ unauthenticated connections?")
        self.assertEqual(client.stop(), 0, client.output())
        self.assert_nothing_left()

    def test_cap_closes_the_oldest_unauthenticated_connection(self):
        self.start_server("--max-unauthenticated", "5")
        flood = self.start_flood("--idle", "8")
        time.sleep(1)
        closed = {line.split()[2] for line in flood.output().splitlines() if line.startswith("closed idle")}
        self.assertEqual(closed, {"0", "1", "2"}, flood.output())
        client = self.start_client()
        client.wait_for("connected:", timeout=10)
        # The client took the slot of the oldest idle connection left, and
        # once logged in it no longer counts against the cap.
        flood.wait_for("closed idle 3 ", timeout=5)
        self.assertNotIn("closed idle 4 ", flood.output())
        self.assertEqual(client.stop(), 0, client.output())

    def test_pre_login_deadlines(self):
        server = self.start_server("--handshake-timeout", "1", "--login-timeout", "3")
        flood = self.start_flood("--idle", "1", "--half-open", "1", "--http", "1", hold=20)
        out = flood.wait_for("closed http 0 ", timeout=10)
        after = {line.split()[1]: float(line.split()[3]) for line in out.splitlines() if line.startswith("closed")}
        self.assertLess(after["idle"], 2.5, out)
        self.assertLess(after["half-open"], 2.5, out)
        # The HTTP request ended the handshake deadline; the login one ends it.
        self.assertGreater(after["http"], 1.5, out)
        self.assertLess(after["http"], 5, out)
        self.assertIn("deadline", server.output())
        # A client that logs in in time is not cut off by either deadline.
        client = self.start_client()
        client.wait_for("connected:", timeout=10)
        time.sleep(3.5)
        self.assertIsNone(client.proc.poll(), client.output())
        self.assertEqual(client.stop(signal.SIGTERM), 0, client.output())
        self.assert_nothing_left()


def tearDownModule():
    cleanup_pki()


if __name__ == "__main__":
    unittest.main()
