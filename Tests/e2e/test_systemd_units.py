"""The systemd units (packaging/systemd/, issue 11): `systemd-analyze verify`
finds nothing to say about them, sstp@.service runs `sstp connect --config
/etc/sstp/%i.conf` hardened and restarting with a back-off, and the D-Bus
activation file hands net.sstpclient.Client1 to sstp-service.service."""
import configparser
import os
import shutil
import subprocess
import tempfile
import unittest

from harness import BUILD, ROOT

UNITS = os.path.join(ROOT, "packaging", "systemd")


def unit(name):
    p = configparser.ConfigParser(strict=False, interpolation=None, delimiters=("=",))
    p.optionxform = str
    p.read(os.path.join(UNITS, name))
    return p


class SystemdUnitTests(unittest.TestCase):
    def test_verify_is_clean(self):
        """The units with ExecStart= pointing at this build (verify checks
        that the program exists): no warning, no error."""
        if shutil.which("systemd-analyze") is None:
            self.fail("systemd-analyze is missing (package systemd)")
        d = tempfile.mkdtemp(prefix="sstp-units-")
        try:
            paths = []
            for name in ("sstp@.service", "sstp-service.service"):
                with open(os.path.join(UNITS, name)) as f:
                    text = f.read()
                text = text.replace("/usr/bin/sstp ", os.path.join(BUILD, "sstp") + " ")
                text = text.replace("/usr/libexec/sstp/sstp-service", os.path.join(BUILD, "sstp-service"))
                paths.append(os.path.join(d, name))
                with open(paths[-1], "w") as f:
                    f.write(text)
            r = subprocess.run(["systemd-analyze", "verify", "--man=no", *paths], capture_output=True, text=True,
                               timeout=120)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            # verify also loads every unit installed on this machine and
            # warns about theirs (Debian's freeradius.service uses
            # MemoryLimit=); what concerns other units' files is not ours.
            lines = [line for line in (r.stdout + r.stderr).splitlines()
                     if line.strip() and not (line.startswith("/") and not line.startswith(d))]
            self.assertEqual(lines, [])
            # verify can fail: an unknown key is reported.
            with open(paths[0], "a") as f:
                f.write("NoSuchKey=1\n")
            r = subprocess.run(["systemd-analyze", "verify", "--man=no", paths[0]], capture_output=True, text=True,
                               timeout=120)
            self.assertIn("NoSuchKey", r.stdout + r.stderr)
        finally:
            shutil.rmtree(d, ignore_errors=True)

    def test_template_unit(self):
        u = unit("sstp@.service")
        s = u["Service"]
        self.assertEqual(s["ExecStart"], "/usr/bin/sstp connect --reconnect --config /etc/sstp/%i.conf")
        self.assertEqual(s["Restart"], "on-failure")
        self.assertTrue(s["RestartSec"])
        self.assertTrue(u["Unit"]["StartLimitIntervalSec"] and u["Unit"]["StartLimitBurst"])
        self.assertEqual(s["CapabilityBoundingSet"], "CAP_NET_ADMIN")
        for key, value in (("NoNewPrivileges", "yes"), ("ProtectSystem", "strict"), ("ProtectHome", "yes"),
                           ("PrivateTmp", "yes"), ("DeviceAllow", "/dev/net/tun rw")):
            self.assertEqual(s[key], value, key)
        self.assertEqual(u["Install"]["WantedBy"], "multi-user.target")
        with open(os.path.join(UNITS, "sstp@.service")) as f:
            text = f.read().lower()
        self.assertNotRegex(text, r"(?m)^[^#]*(password|secret)\s*=")

    def test_dbus_activation_goes_through_systemd(self):
        u = unit("sstp-service.service")
        self.assertEqual(u["Service"]["Type"], "dbus")
        self.assertEqual(u["Service"]["BusName"], "net.sstpclient.Client1")
        self.assertEqual(u["Service"]["CapabilityBoundingSet"], "CAP_NET_ADMIN")
        a = configparser.ConfigParser(interpolation=None)
        a.optionxform = str
        a.read(os.path.join(ROOT, "dbus", "net.sstpclient.Client1.service"))
        self.assertEqual(a["D-BUS Service"]["Name"], "net.sstpclient.Client1")
        self.assertEqual(a["D-BUS Service"]["SystemdService"], "sstp-service.service")
        self.assertEqual(a["D-BUS Service"]["Exec"].split()[0], u["Service"]["ExecStart"].split()[0])


if __name__ == "__main__":
    unittest.main()
