#!/usr/bin/env python3
"""nmcli import/export through the built editor plugin, against a real
NetworkManager: `nmcli connection import` and `export` go through the
daemon, so this starts one in a network namespace of its own, on a private
system bus, with its state in a scratch directory (the recipe of
shared/notes/networkmanager.md section 13). Needs root, NetworkManager,
dbus-daemon and iproute2.

    python3 test_nmcli.py PATH/TO/libnm-vpn-plugin-sstp.so TESTS_DIR
"""
import configparser
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

PLUGIN = None
TESTS = None
SERVICE = "org.freedesktop.NetworkManager.sstp"

BUS_CONF = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path={sock}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <deny own="*"/>
    <deny send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"/>
    <allow send_destination="org.freedesktop.DBus"
           send_interface="org.freedesktop.DBus.Introspectable"/>
    <allow send_destination="org.freedesktop.DBus"
           send_interface="org.freedesktop.DBus.Properties"/>
  </policy>
  <includedir>/usr/share/dbus-1/system.d</includedir>
</busconfig>
"""

NM_CONF = """[main]
plugins=keyfile
dns=none
rc-manager=unmanaged
no-auto-default=*
auth-polkit=false
hostname-mode=none

[keyfile]
path={t}/system-connections

[connectivity]
enabled=false

[logging]
level=INFO
"""


class NetworkManagerInNamespace:
    def __init__(self):
        self.t = tempfile.mkdtemp(prefix="sstp-nmcli-")
        self.ns = "sstp-nmcli-%d" % os.getpid()
        self.dbus = self.nm = None
        self.ns_made = False

    def start(self):
        t = self.t
        for d in ("system-connections", "varlib", "conf.d", "sysconf.d", "vpn"):
            os.makedirs(os.path.join(t, d))
        os.chmod(os.path.join(t, "system-connections"), 0o700)
        with open(os.path.join(t, "bus.conf"), "w") as f:
            f.write(BUS_CONF.format(sock=os.path.join(t, "bus.sock")))
        with open(os.path.join(t, "NetworkManager.conf"), "w") as f:
            f.write(NM_CONF.format(t=t))
        # The .name file as installed, but with the plugin of this build.
        with open(os.path.join(TESTS, "..", "nm-sstp-service.name")) as f:
            name = re.sub(r"(?m)^plugin=.*$", "plugin=" + PLUGIN, f.read())
        path = os.path.join(t, "vpn", "nm-sstp-service.name")
        with open(path, "w") as f:
            f.write(name)
        os.chmod(path, 0o644)

        self.log = open(os.path.join(t, "nm.log"), "w")
        self.dbus = subprocess.Popen(
            ["dbus-daemon", "--config-file=" + os.path.join(t, "bus.conf"), "--nofork",
             "--nopidfile", "--print-address=1"],
            stdout=subprocess.PIPE, stderr=self.log, text=True)
        address = self.dbus.stdout.readline().strip()
        if not address:
            raise RuntimeError("dbus-daemon did not start")
        self.env = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=address,
                        NM_VPN_PLUGIN_DIR=os.path.join(t, "vpn"), LANG="C", LC_ALL="C")

        subprocess.run(["ip", "netns", "add", self.ns], check=True)
        self.ns_made = True
        script = (
            "mount -o remount,ro /sys && mount -t tmpfs nmrun /run && "
            "mkdir -p /run/NetworkManager && mount --bind {t}/varlib /var/lib/NetworkManager && "
            "exec NetworkManager --no-daemon --config={t}/NetworkManager.conf "
            "--config-dir={t}/conf.d --system-config-dir={t}/sysconf.d "
            "--intern-config={t}/varlib/intern.conf --state-file={t}/varlib/NetworkManager.state "
            "--pid-file={t}/NetworkManager.pid").format(t=t)
        self.nm = subprocess.Popen(["ip", "netns", "exec", self.ns, "sh", "-c", script],
                                   env=self.env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 30
        while time.time() < deadline:
            r = self.nmcli("-t", "-f", "RUNNING", "general", check=False)
            if r.returncode == 0 and r.stdout.strip() == "running":
                return
            if self.nm.poll() is not None:
                break
            time.sleep(0.3)
        raise RuntimeError("NetworkManager did not start; log:\n" + self.read_log())

    def read_log(self):
        with open(os.path.join(self.t, "nm.log")) as f:
            return f.read()[-4000:]

    def nmcli(self, *argv, check=True):
        r = subprocess.run(["nmcli", *argv], env=self.env, capture_output=True, text=True,
                           timeout=30)
        if check and r.returncode != 0:
            raise AssertionError("nmcli %s failed (%d): %s%s"
                                 % (" ".join(argv), r.returncode, r.stdout, r.stderr))
        return r

    def stop(self):
        if self.nm and self.nm.poll() is None:
            self.nm.send_signal(signal.SIGTERM)
            try:
                self.nm.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.nm.kill()
                self.nm.wait()
        if self.ns_made:
            pids = subprocess.run(["ip", "netns", "pids", self.ns], capture_output=True,
                                  text=True).stdout.split()
            for pid in pids:
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except ProcessLookupError:
                    pass
            subprocess.run(["ip", "netns", "del", self.ns])
        if self.dbus and self.dbus.poll() is None:
            self.dbus.terminate()
            self.dbus.wait(timeout=10)
            self.dbus.stdout.close()
        if getattr(self, "log", None):
            self.log.close()
        shutil.rmtree(self.t, ignore_errors=True)


def read_profile(path):
    cp = configparser.RawConfigParser(interpolation=None, comment_prefixes=("#",))
    cp.optionxform = str
    with open(path) as f:
        cp.read_file(f)
    return dict(cp["sstp"])


def vpn_data(nm, uuid):
    out = nm.nmcli("-g", "vpn.data", "connection", "show", uuid).stdout.strip()
    # nmcli -g prints "k1 = v1, k2 = v2" with ',', ':' and '\\' escaped.
    items = re.split(r"(?<!\\), ", out) if out else []
    data = {}
    for item in items:
        key, _, value = item.partition(" = ")
        data[key] = re.sub(r"\\(.)", r"\1", value)
    return data


class Nmcli(unittest.TestCase):
    nm = None

    @classmethod
    def setUpClass(cls):
        cls.nm = NetworkManagerInNamespace()
        try:
            cls.nm.start()
        except BaseException:
            cls.nm.stop()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.nm.stop()

    def import_file(self, name):
        r = self.nm.nmcli("connection", "import", "type", "sstp", "file",
                          os.path.join(TESTS, name))
        m = re.search(r"\(([0-9a-f-]{36})\) successfully added", r.stdout)
        self.assertTrue(m, r.stdout)
        return m.group(1)

    def test_import_export_round_trip(self):
        uuid = self.import_file("example.conf")
        self.assertEqual(self.nm.nmcli("-g", "vpn.service-type", "connection", "show",
                                       uuid).stdout.strip(), SERVICE)
        self.assertEqual(self.nm.nmcli("-g", "connection.id", "connection", "show",
                                       uuid).stdout.strip(), "Work VPN")
        expected = read_profile(os.path.join(TESTS, "example.conf"))
        name = expected.pop("name")
        self.assertEqual(vpn_data(self.nm, uuid), expected)

        out = os.path.join(self.nm.t, "exported.conf")
        self.nm.nmcli("connection", "export", uuid, out)
        exported = read_profile(out)
        self.assertEqual(exported.pop("name"), name)
        self.assertEqual(exported, expected)

        # And the export imports again as the same connection.
        r = self.nm.nmcli("connection", "import", "type", "sstp", "file", out)
        uuid2 = re.search(r"\(([0-9a-f-]{36})\) successfully added", r.stdout).group(1)
        self.assertNotEqual(uuid2, uuid)
        self.assertEqual(vpn_data(self.nm, uuid2), expected)

    def test_export_of_an_nmcli_made_connection_has_no_secrets(self):
        r = self.nm.nmcli("connection", "add", "type", "vpn", "con-name", "made", "vpn-type",
                          "sstp", "vpn.data",
                          "gateway=vpn.example.com, connection-type=password, user=alice, "
                          "password-flags=0",
                          "vpn.secrets", "password=Hunter2-secret")
        uuid = re.search(r"\(([0-9a-f-]{36})\) successfully added", r.stdout).group(1)
        self.assertEqual(self.nm.nmcli("-g", "vpn.service-type", "connection", "show",
                                       uuid).stdout.strip(), SERVICE,
                         "vpn-type sstp resolves through the .name file")
        out = os.path.join(self.nm.t, "made.conf")
        self.nm.nmcli("connection", "export", uuid, out)
        with open(out) as f:
            text = f.read()
        self.assertNotIn("Hunter2-secret", text)
        self.assertEqual(read_profile(out),
                         {"name": "made", "gateway": "vpn.example.com",
                          "connection-type": "password", "user": "alice",
                          "password-flags": "0"})

    def test_import_phonebook(self):
        uuid = self.import_file("sample.pbk")
        self.assertEqual(self.nm.nmcli("-g", "connection.id", "connection", "show",
                                       uuid).stdout.strip(), "Contoso SSTP")
        data = vpn_data(self.nm, uuid)
        self.assertEqual(data["gateway"], "sstp.contoso.example")
        self.assertEqual(data["refuse-mschapv2"], "no")

    def test_import_errors_reach_the_user(self):
        r = self.nm.nmcli("connection", "import", "type", "sstp", "file",
                          os.path.join(TESTS, "no-sstp.pbk"), check=False)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("no SSTP entry in this phonebook", r.stderr)
        r = self.nm.nmcli("connection", "import", "type", "sstp", "file",
                          os.path.join(TESTS, "malformed.pbk"), check=False)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("not a valid phonebook", r.stderr)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: test_nmcli.py PLUGIN.so TESTS_DIR")
    TESTS = os.path.abspath(sys.argv.pop(2))
    PLUGIN = os.path.abspath(sys.argv.pop(1))
    if os.geteuid() != 0:
        sys.exit("test_nmcli.py needs root (network namespace, mounts)")
    suite = unittest.defaultTestLoader.loadTestsFromModule(sys.modules[__name__])
    result = unittest.TextTestRunner(verbosity=2).run(suite)
    bad = len(result.failures) + len(result.errors)
    print("nmcli: %d passed, %d failed" % (result.testsRun - bad, bad))
    sys.exit(1 if bad else 0)
