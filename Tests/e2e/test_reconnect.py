"""Always on (issue 14): with --reconnect the client keeps its TUN, the
TUN's addresses and routes across calls, and starts a new call after the
old one is lost.

- the bundled server killed and restarted: the client reconnects, the TUN
  keeps its ifindex, addresses and routes, and a TCP transfer inside the
  tunnel (same inner address) carries on with its checksum intact;
- the path cut during an upload: the transport ends within 20 s
  (TCP_USER_TIMEOUT), the tunnel is back after the link returns, and
  meanwhile nothing meant for the tunnel leaves by the other interface;
- a restarted server with another pool: the address changes in place;
- a restarted server that refuses the password: exit status 2, nothing left;
- the default route replaced: a reconnect at once (RouteWatcher);
- under NetworkManager with vpn.persistent: a server restart with another
  pool leaves the connection active, and its IP4 settings follow."""
import os
import re
import signal
import subprocess
import time
import unittest

from harness import (CLIENT_IP, PASSWORD, SERVER_IP, TRANSFER, TUNNEL_SERVER_IP, USER, TunnelTestCase,
                     cleanup_pki, pki, run)
from nm import AUTH_DIALOG, EDITOR_PLUGIN, NetworkManager


class ReconnectTests(TunnelTestCase):
    def wait_count(self, proc, text, count, timeout):
        """Waits until `text` appears `count` times in the output."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            out = proc.output()
            if out.count(text) >= count:
                return out
            if proc.proc.poll() is not None:
                self.fail(f"{proc.name} exited ({proc.proc.returncode}) before {count}x '{text}':\n{out}")
            time.sleep(0.05)
        self.fail(f"{proc.name}: fewer than {count}x '{text}' within {timeout}s:\n{proc.output()}")

    def tun(self):
        """(name, ifindex) of the client's TUN."""
        for line in self.ns.links(self.ns.client).splitlines():
            m = re.match(r"(\d+): (sstp[^:@]*)", line)
            if m:
                return m.group(2), int(m.group(1))
        self.fail(f"no TUN in the client namespace:\n{self.ns.links(self.ns.client)}")

    def ipv4(self, name):
        out = run("ip", "-n", self.ns.client, "-4", "-o", "addr", "show", "dev", name).stdout
        return sorted(re.findall(r"inet (\S+(?: peer \S+)?)", out))

    def tunnel_routes(self, name):
        return sorted(line for line in self.ns.routes(self.ns.client).splitlines() if f"dev {name}" in line)

    def restart_server(self, old, *extra):
        old.stop(signal.SIGKILL)
        return self.start_server(*extra)

    def test_server_restart_keeps_interface_and_transfer(self):
        server = self.start_server("--methods", "mschapv2")
        client = self.start_client("--reconnect", "--route", "10.202.0.0/24")
        client.wait_for("connected:", timeout=30)
        name, index = self.tun()
        addresses, routes = self.ipv4(name), self.tunnel_routes(name)
        self.assertTrue(addresses, self.ns.links(self.ns.client))
        self.assertTrue(any("10.202.0.0/24" in r for r in routes), routes)
        # A paced transfer (about 6 s) through the tunnel spans the restart.
        sink = subprocess.Popen(self.ns.exec(self.ns.server, "python3", TRANSFER, "sink", TUNNEL_SERVER_IP, "5201"),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.addCleanup(self.kill, sink)
        time.sleep(0.3)
        source = subprocess.Popen(
            self.ns.exec(self.ns.client, "python3", TRANSFER, "source", TUNNEL_SERVER_IP, "5201",
                         str(3 << 20), str(512 << 10)),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.addCleanup(self.kill, source)
        time.sleep(1.5)
        server = self.restart_server(server, "--methods", "mschapv2")
        out = self.wait_count(client, "connected:", 2, timeout=30)
        self.assertRegex(out, r"reconnecting \(attempt 1, next in \d+\.\d s\): ")
        sent, _ = source.communicate(timeout=90)
        received, _ = sink.communicate(timeout=30)
        self.assertEqual(source.returncode, 0, client.output())
        self.assertEqual(sent.strip(), received.strip())
        self.assertTrue(sent.strip().startswith(str(3 << 20)), sent)
        self.assertEqual(self.tun(), (name, index))
        self.assertEqual(self.ipv4(name), addresses)
        self.assertEqual(self.tunnel_routes(name), routes)
        self.assertIsNone(client.proc.poll(), client.output())
        self.assertEqual(client.stop(), 0, client.output())
        self.assert_nothing_left()

    @staticmethod
    def kill(proc):
        if proc.poll() is None:
            proc.kill()
            proc.wait()

    def tx_packets(self, dev):
        out = run("ip", "-n", self.ns.client, "-s", "-o", "link", "show", "dev", dev).stdout
        # "... TX: bytes packets ... \    <bytes> <packets>": the numbers after "TX:".
        m = re.search(r"TX:[^\\]*\\\s+(\d+)\s+(\d+)", out)
        self.assertIsNotNone(m, out)
        return int(m.group(2))

    def test_cut_path_reconnects_without_leak(self):
        # A second way out (a veth to the server namespace, its far end
        # without an address): were the tunnel's routes gone, its packets
        # would leave by leak0 (its TX counter is the leak detector; a
        # permanent neighbour entry, so that no ARP counts).
        c = self.ns.client
        run("ip", "link", "add", "leak0", "netns", c, "type", "veth", "peer", "name", "leak1", "netns",
            self.ns.server)
        run("ip", "netns", "exec", c, "sysctl", "-q", "-w", "net.ipv6.conf.leak0.disable_ipv6=1")
        run("ip", "netns", "exec", self.ns.server, "sysctl", "-q", "-w", "net.ipv6.conf.leak1.disable_ipv6=1")
        run("ip", "-n", c, "addr", "add", "10.98.0.2/24", "dev", "leak0")
        run("ip", "-n", c, "link", "set", "leak0", "up")
        run("ip", "-n", self.ns.server, "link", "set", "leak1", "up")
        run("ip", "-n", c, "neigh", "add", "10.98.0.1", "lladdr", "02:00:00:00:00:01", "dev", "leak0", "nud",
            "permanent")
        run("ip", "-n", c, "route", "add", "default", "via", "10.98.0.1", "dev", "leak0")
        self.start_server("--methods", "mschapv2")
        client = self.start_client("--reconnect", "--hello-interval", "3600", "--tcp-user-timeout", "5",
                                   "--route", "10.201.0.0/24")
        client.wait_for("connected:", timeout=30)
        name, index = self.tun()
        ping = subprocess.Popen(self.ns.exec(c, "ping", "-4", "-i", "0.05", "-s", "1000", TUNNEL_SERVER_IP),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.addCleanup(self.kill, ping)
        self.assertEqual(self.ping(c, TUNNEL_SERVER_IP, count=2).returncode, 0)
        before = self.tx_packets("leak0")
        run("ip", "-n", self.ns.server, "link", "set", "veth-s", "down")
        cut = time.monotonic()
        client.wait_for("reconnecting (attempt 1", timeout=20)
        self.assertLess(time.monotonic() - cut, 20)
        time.sleep(2)
        run("ip", "-n", self.ns.server, "link", "set", "veth-s", "up")
        # The server still holds the old session's address: the new one
        # usually brings another, changed in place with no gap either.
        self.wait_count(client, "connected:", 2, timeout=60)
        self.assertEqual(self.tx_packets("leak0"), before, "packets for the tunnel left by leak0 during the cut")
        self.assertEqual(self.tun(), (name, index))
        self.assertEqual(self.ping(c, TUNNEL_SERVER_IP, count=2).returncode, 0)
        self.assertEqual(client.stop(), 0, client.output())
        self.assert_nothing_left()

    def test_new_pool_changes_the_address_in_place(self):
        server = self.start_server("--methods", "mschapv2")
        client = self.start_client("--reconnect", "--route", "10.202.0.0/24")
        client.wait_for("connected:", timeout=30)
        name, index = self.tun()
        self.assertTrue(any(a.startswith("10.201.0.10") for a in self.ipv4(name)), self.ipv4(name))
        self.restart_server(server, "--methods", "mschapv2", "--pool", "10.201.0.30-10.201.0.40")
        out = self.wait_count(client, "connected:", 2, timeout=30)
        self.assertIn("10.201.0.30", out.split("reconnecting")[-1])
        self.assertEqual(self.tun(), (name, index))
        addresses = self.ipv4(name)
        self.assertTrue(any(a.startswith("10.201.0.30") for a in addresses), addresses)
        self.assertFalse(any(a.startswith("10.201.0.10") for a in addresses), addresses)
        self.assertTrue(any("10.202.0.0/24" in r for r in self.tunnel_routes(name)), self.ns.routes(self.ns.client))
        self.assertEqual(self.ping(self.ns.client, TUNNEL_SERVER_IP, count=2).returncode, 0)
        self.assertEqual(client.stop(), 0, client.output())
        self.assert_nothing_left()

    def test_wrong_password_on_reconnect_is_final(self):
        server = self.start_server("--methods", "mschapv2")
        client = self.start_client("--reconnect", "--default-route")
        client.wait_for("connected:", timeout=30)
        with open(self.users, "w") as f:
            f.write(f"{USER}:not {PASSWORD}\n")
        self.restart_server(server, "--methods", "mschapv2")
        self.assertEqual(client.wait(timeout=60), 2, client.output())
        self.assertIn("reconnecting (attempt 1", client.output())
        self.assert_nothing_left()
        self.assertNotIn(f"{SERVER_IP} via", self.ns.routes(self.ns.client))

    def test_limit_reached_ends_with_the_last_failure(self):
        server = self.start_server("--methods", "mschapv2")
        client = self.start_client("--reconnect", "--reconnect-limit", "2", "--route", "10.202.0.0/24")
        client.wait_for("connected:", timeout=30)
        server.stop(signal.SIGKILL)
        # Nothing listens any more: each attempt is refused at once.
        self.assertEqual(client.wait(timeout=30), 5, client.output())
        out = client.output()
        self.assertIn("reconnecting (attempt 2", out)
        self.assertNotIn("reconnecting (attempt 3", out)
        self.assertIn("giving up after 2 reconnect attempts (reconnect-limit)", out)
        self.assert_nothing_left()

    def test_default_route_change_reconnects_at_once(self):
        # The server is reached by the default route, not on-link, so that
        # replacing the default route changes the path to it.
        c = self.ns.client
        run("ip", "-n", c, "route", "del", "10.99.0.0/24", "dev", "veth-c")
        run("ip", "-n", c, "route", "add", "default", "via", SERVER_IP, "dev", "veth-c", "onlink")
        self.start_server("--methods", "mschapv2")
        # Neither a timeout nor a lost transport can be what reconnects.
        client = self.start_client("--reconnect", "--hello-interval", "3600")
        client.wait_for("connected:", timeout=30)
        run("ip", "-n", c, "route", "replace", "default", "dev", "veth-c")
        out = client.wait_for("reconnecting (attempt 1, next in 0.0 s)", timeout=5)
        self.assertIn("the route to the server changed", out)
        self.wait_count(client, "connected:", 2, timeout=20)
        self.assertEqual(client.stop(), 0, client.output())
        self.assert_nothing_left()

    def host_route(self):
        lines = [line for line in self.ns.routes(self.ns.client).splitlines() if line.startswith(f"{SERVER_IP} ")]
        self.assertEqual(len(lines), 1, self.ns.routes(self.ns.client))
        return lines[0]

    def two_gateways(self):
        """Two gateways (both the server namespace's veth), the server itself
        only through the default route, which goes by the first."""
        c, srv = self.ns.client, self.ns.server
        for net in ("10.97.0", "10.96.0"):
            run("ip", "-n", srv, "addr", "add", f"{net}.1/24", "dev", "veth-s")
            run("ip", "-n", c, "addr", "add", f"{net}.2/24", "dev", "veth-c")
        run("ip", "-n", c, "route", "del", "10.99.0.0/24", "dev", "veth-c")
        run("ip", "-n", c, "route", "add", "default", "via", "10.97.0.1", "dev", "veth-c")
        return c

    def test_default_route_change_under_default_route_reconnects_at_once(self):
        # The pin and the tunnel's half-default routes hide the host's own
        # default route from a kernel lookup: the watcher asks the main
        # table for the path a new pin would take.
        c = self.two_gateways()
        self.start_server("--methods", "mschapv2")
        client = self.start_client("--reconnect", "--default-route", "--hello-interval", "3600")
        client.wait_for("connected:", timeout=30)
        self.assertIn("via 10.97.0.1", self.host_route())
        run("ip", "-n", c, "route", "replace", "default", "via", "10.96.0.1", "dev", "veth-c")
        out = client.wait_for("reconnecting (attempt 1, next in 0.0 s)", timeout=5)
        self.assertIn("the route to the server changed", out)
        self.wait_count(client, "connected:", 2, timeout=20)
        self.assertIn("via 10.96.0.1", self.host_route())
        self.assertEqual(self.ping(c, TUNNEL_SERVER_IP, count=2).returncode, 0)
        self.assertEqual(client.stop(), 0, client.output())
        self.assert_nothing_left()

    def test_host_route_follows_a_new_path_on_reconnect(self):
        # With --default-route the server's host route is pinned; a reconnect
        # pins it again through the path the host has now (not through the
        # tunnel's half-default routes, which win every kernel lookup).
        c = self.two_gateways()
        server = self.start_server("--methods", "mschapv2")
        client = self.start_client("--reconnect", "--default-route", "--hello-interval", "3600")
        client.wait_for("connected:", timeout=30)
        self.assertIn("via 10.97.0.1", self.host_route())
        # The path changes while the server is down, between attempts.
        server.stop(signal.SIGKILL)
        client.wait_for("reconnecting (attempt 1", timeout=20)
        run("ip", "-n", c, "route", "replace", "default", "via", "10.96.0.1", "dev", "veth-c")
        self.start_server("--methods", "mschapv2")
        self.wait_count(client, "connected:", 2, timeout=30)
        self.assertIn("via 10.96.0.1", self.host_route())
        self.assertEqual(self.ping(c, TUNNEL_SERVER_IP, count=2).returncode, 0)
        self.assertEqual(client.stop(), 0, client.output())
        self.assert_nothing_left()
        self.assertNotIn(f"{SERVER_IP} dev", self.ns.routes(c))


class NetworkManagerReconnectTests(TunnelTestCase):
    def setUp(self):
        super().setUp()
        for f in (EDITOR_PLUGIN, AUTH_DIALOG):
            if not os.path.exists(f):
                self.fail(f"{f} is missing: run make build")
        self.nm = NetworkManager(os.path.join(self.tmp, "nm"), self.ns.client)
        self.addCleanup(self.nm.stop)
        self.nm.start()
        self.nm.base_connection("veth-c", f"{CLIENT_IP}/24", "10.99.0.254")

    def state(self, name):
        r = self.nm.nmcli("-g", "GENERAL.STATE", "connection", "show", name, check=False)
        return r.stdout.strip()

    def test_persistent_connection_survives_a_server_restart_and_follows_the_address(self):
        server = self.start_server("--methods", "mschapv2")
        data = f"gateway={SERVER_IP}, user=alice, ca-cert={os.path.join(pki(), 'root.pem')}, password-flags=0"
        self.nm.nmcli("connection", "add", "type", "vpn", "con-name", "sstp-work", "vpn-type", "sstp",
                      "vpn.data", data, "vpn.secrets", f"password={PASSWORD}", "vpn.persistent", "yes")
        r = self.nm.nmcli("connection", "up", "sstp-work")
        self.assertIn("successfully activated", r.stdout)
        show = self.nm.nmcli("-f", "IP4", "connection", "show", "sstp-work").stdout
        self.assertRegex(show, r"IP4.ADDRESS\[1\]:\s+10\.201\.0\.10/32")
        server.stop(signal.SIGKILL)
        self.start_server("--methods", "mschapv2", "--pool", "10.201.0.30-10.201.0.40")
        deadline = time.monotonic() + 40
        show = ""
        while time.monotonic() < deadline:
            show = self.nm.nmcli("-f", "IP4", "connection", "show", "sstp-work", check=False).stdout
            if "10.201.0.30/32" in show:
                break
            self.assertIn(self.state("sstp-work"), ("activated", "activating"), self.nm.read_log())
            time.sleep(0.5)
        self.assertRegex(show, r"IP4.ADDRESS\[1\]:\s+10\.201\.0\.30/32", self.nm.read_log())
        self.assertEqual(self.state("sstp-work"), "activated", self.nm.read_log())
        self.assertIn("reconnecting (attempt 1", self.nm.read_log())
        r = self.ping(self.ns.client, TUNNEL_SERVER_IP)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.nm.nmcli("connection", "down", "sstp-work")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and "sstp" in self.ns.links(self.ns.client):
            time.sleep(0.2)
        self.assert_nothing_left()


def tearDownModule():
    cleanup_pki()


if __name__ == "__main__":
    unittest.main()
