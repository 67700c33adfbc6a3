"""nmcli import and export through our editor plugin, against a real
NetworkManager (issue 5): `nmcli connection import type sstp file X` of our
INI profile and of a Windows .pbk phonebook, `export`, and re-import of the
export give back the same vpn.data; an nmcli-made connection exports
without its secret; import errors reach the user."""
import configparser
import os
import re
import shutil
import signal
import tempfile
import unittest

from harness import ROOT, run
from nm import NetworkManager

TESTS = os.path.join(ROOT, "nm-plugin", "tests")
SERVICE = "org.freedesktop.NetworkManager.sstp"


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


class NmcliImportExport(unittest.TestCase):
    """One NetworkManager for the class, in a namespace of its own."""

    nm = None

    @classmethod
    def setUpClass(cls):
        if os.geteuid() != 0:
            raise unittest.SkipTest("needs root for a network namespace")
        cls.tmp = tempfile.mkdtemp(prefix="sstp-nmcli-")
        cls.ns = f"sstpnm{os.getpid() % 100000}"
        run("ip", "netns", "add", cls.ns)
        cls.nm = NetworkManager(os.path.join(cls.tmp, "nm"), cls.ns)
        try:
            cls.nm.start()
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        if cls.nm:
            cls.nm.stop()
        for pid in run("ip", "netns", "pids", cls.ns, check=False).stdout.split():
            try:
                os.kill(int(pid), signal.SIGKILL)
            except (ProcessLookupError, ValueError):
                pass
        run("ip", "netns", "del", cls.ns, check=False)
        shutil.rmtree(cls.tmp, ignore_errors=True)

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

        out = os.path.join(self.tmp, "exported.conf")
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
        out = os.path.join(self.tmp, "made.conf")
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
    unittest.main()
