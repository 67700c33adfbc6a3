"""TUN offload (IFF_VNET_HDR with TSO): both the client and the bundled
server read TCP superpackets from their TUNs and split them in user space,
and the client joins the segments it receives into superpackets for its
TUN. A byte-exact transfer each way checks the segments (sequence numbers,
lengths, checksums) and the joins, and the TUN statistics show that
superpackets really went through."""
import json
import os
import re
import unittest

from harness import TUNNEL_SERVER_IP, TunnelTestCase, cleanup_pki, run

SIZE = int(os.environ.get("SSTP_E2E_OFFLOAD_BYTES", str(50 * 1000 * 1000)))


class OffloadTests(TunnelTestCase):
    def average(self, ns, dev, direction):
        """Bytes per packet through a TUN: tx, handed to its reader; rx,
        written by it."""
        stats = json.loads(run("ip", "-n", ns, "-s", "-j", "link", "show", dev).stdout)[0]["stats64"][direction]
        return stats["bytes"] / max(1, stats["packets"])

    def average_tx(self, ns, dev):
        return self.average(ns, dev, "tx")

    def test_superpackets_both_ways(self):
        self.start_server("--methods", "mschapv2")
        client = self.start_client()
        out = client.wait_for("connected:", timeout=30)
        m = re.search(r"connected: (\S+), (10\.201\.0\.\d+)", out)
        self.assertIsNotNone(m, out)
        interface, address = m.group(1), m.group(2)
        # Client to server, then server to client, byte-exact; the TUN that
        # the sender's kernel writes to hands out superpackets (TSO), so
        # its packets average far more than the MTU.
        sent, received = self.transfer(SIZE, self.ns.server, TUNNEL_SERVER_IP, self.ns.client, port=5301)
        self.assertEqual(sent, received)
        self.assertTrue(sent.startswith(f"{SIZE} "), sent)
        self.assertGreater(self.average_tx(self.ns.client, interface), 3000)
        sent, received = self.transfer(SIZE, self.ns.client, address, self.ns.server, port=5302)
        self.assertEqual(sent, received)
        self.assertTrue(sent.startswith(f"{SIZE} "), sent)
        self.assertGreater(self.average_tx(self.ns.server, "sstpsrv0"), 3000)
        # and the client joins the segments it receives into superpackets
        # for its TUN (TCPCoalescer).
        self.assertGreater(self.average(self.ns.client, interface, "rx"), 3000)
        self.assertEqual(client.stop(), 0, client.output())
        self.assert_nothing_left()


def tearDownModule():
    cleanup_pki()


if __name__ == "__main__":
    unittest.main()
