"""Dead-peer detection in seconds while traffic flows (issue 14):
TCP_USER_TIMEOUT on the outer connection ends the transport when data
stays unacknowledged for longer than --tcp-user-timeout, long before the
SSTP hello timer (set to an hour here, so it cannot be what notices).

The path is cut by taking the server side's veth down while a ping runs
through the tunnel; the client must report the lost transport and exit
within 20 s. With --tcp-user-timeout 0 the same cut leaves the client
waiting on the kernel's retransmissions: still running after 20 s."""
import subprocess
import time
import unittest

from harness import TUNNEL_SERVER_IP, TunnelTestCase, cleanup_pki

BOUND = 20


class DeadPeerTests(TunnelTestCase):
    def cut_under_traffic(self, *client_extra):
        self.start_server("--methods", "mschapv2")
        client = self.start_client("--hello-interval", "3600", *client_extra)
        client.wait_for("connected:", timeout=30)
        ping = subprocess.Popen(
            self.ns.exec(self.ns.client, "ping", "-4", "-i", "0.05", "-s", "1000", TUNNEL_SERVER_IP),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.addCleanup(self.stop, ping)
        # Traffic flows through the tunnel before the cut.
        self.assertEqual(self.ping(self.ns.client, TUNNEL_SERVER_IP, count=2).returncode, 0)
        subprocess.run(["ip", "-n", self.ns.server, "link", "set", "veth-s", "down"], check=True)
        cut = time.monotonic()
        try:
            client.proc.wait(BOUND)
        except subprocess.TimeoutExpired:
            return client, None
        return client, time.monotonic() - cut

    @staticmethod
    def stop(proc):
        if proc.poll() is None:
            proc.kill()
            proc.wait()

    def test_cut_path_under_traffic_ends_the_transport_in_seconds(self):
        client, elapsed = self.cut_under_traffic("--tcp-user-timeout", "5")
        self.assertIsNotNone(elapsed, f"the client did not notice the cut within {BOUND} s:\n{client.output()}")
        # Exit status 5: a network failure (the transport ended).
        self.assertEqual(client.proc.returncode, 5, client.output())
        self.assert_nothing_left()

    def test_default_bound_is_on(self):
        # The default (15 s) alone notices the cut within the bound.
        client, elapsed = self.cut_under_traffic()
        self.assertIsNotNone(elapsed, f"the client did not notice the cut within {BOUND} s:\n{client.output()}")
        self.assertEqual(client.proc.returncode, 5, client.output())

    def test_without_the_bound_the_cut_goes_unnoticed(self):
        # The control: the option, not something else, ends the transport.
        client, elapsed = self.cut_under_traffic("--tcp-user-timeout", "0")
        self.assertIsNone(elapsed, client.output())


def tearDownModule():
    cleanup_pki()


if __name__ == "__main__":
    unittest.main()
