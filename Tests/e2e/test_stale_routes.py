"""Routes a killed client leaves behind (issue 16 item 12): every route the
client adds carries its own rtnetlink protocol number (RTPROT 243, "sstp"),
the routes through the TUN go away with it, and the next start removes the
host route to the server that a killed client (kill -9, a crash) could not.
"""
import os
import signal
import time
import unittest

from harness import SERVER_IP, TUNNEL_SERVER_IP, TunnelTestCase, cleanup_pki, run

PROTO = "243"
CLAIMS = "/run/sstp/routes"


class StaleRoutes(TunnelTestCase):
    def ours(self):
        return run("ip", "-n", self.ns.client, "route", "show", "proto", PROTO).stdout

    def host_routes(self):
        return [line for line in run("ip", "-n", self.ns.client, "route", "show").stdout.splitlines()
                if line.startswith(SERVER_IP + " ")]

    def kill9(self, client):
        os.kill(client.proc.pid, signal.SIGKILL)
        client.proc.wait(10)
        # The kernel deletes the TUN (and every route through it) once the
        # last descriptor of the killed process is closed.
        deadline = time.monotonic() + 5
        while "sstp" in self.ns.links(self.ns.client) and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertNotIn("dev sstp", self.ns.routes(self.ns.client))

    def claims_for_this_namespace(self):
        inode = os.stat(f"/run/netns/{self.ns.client}").st_ino
        found = []
        if os.path.isdir(CLAIMS):
            for name in os.listdir(CLAIMS):
                try:
                    with open(os.path.join(CLAIMS, name)) as f:
                        if f"netns {inode}\n" in f.read():
                            found.append(name)
                except OSError:
                    pass
        return found

    def test_next_start_removes_what_a_killed_client_left(self):
        self.start_server()
        first = self.start_client("--default-route")
        first.wait_for("connected:", timeout=30)
        ours = self.ours()
        self.assertIn(f"{SERVER_IP} dev veth-c", ours)
        self.assertIn("0.0.0.0/1 dev sstp", ours)
        self.assertEqual(len(self.claims_for_this_namespace()), 1)

        self.kill9(first)
        self.assertIn(f"{SERVER_IP} dev veth-c", self.ours(), "the killed client's host route")

        second = self.start_client("--default-route")
        second.wait_for("connected:", timeout=30)
        out = second.output()
        self.assertNotIn("already exists", out)
        self.assertIn(f"removed a stale route to {SERVER_IP}/32", out)
        self.assertEqual(len(self.host_routes()), 1, self.ns.routes(self.ns.client))
        self.assertEqual(self.ping(self.ns.client, TUNNEL_SERVER_IP).returncode, 0)

        self.kill9(second)
        self.assertIn(f"{SERVER_IP} dev veth-c", self.ours())

        # A clean run without --default-route still clears the leftovers.
        third = self.start_client()
        third.wait_for("connected:", timeout=30)
        self.assertIn(f"removed a stale route to {SERVER_IP}/32", third.output())
        self.assertEqual(third.stop(), 0, third.output())

        self.assertEqual(self.ours(), "")
        self.assertEqual(self.host_routes(), [])
        self.assertEqual(self.claims_for_this_namespace(), [])
        self.assert_nothing_left()

    def test_clean_exit_leaves_no_claim(self):
        self.start_server()
        client = self.start_client("--default-route")
        client.wait_for("connected:", timeout=30)
        self.assertEqual(client.stop(), 0, client.output())
        self.assertEqual(self.ours(), "")
        self.assertEqual(self.claims_for_this_namespace(), [])
        self.assert_nothing_left()


def tearDownModule():
    cleanup_pki()


if __name__ == "__main__":
    unittest.main()
