"""`make install DESTDIR=...` lays every file where NetworkManager and D-Bus
look, with the paths inside the files pointing at the installed ones."""
import configparser
import os
import shutil
import subprocess
import tempfile
import unittest

from harness import ROOT


class InstallTests(unittest.TestCase):
    def test_layout(self):
        dest = tempfile.mkdtemp(prefix="sstp-install-")
        try:
            r = subprocess.run(["make", "-s", "-C", ROOT, "install", f"DESTDIR={dest}"], capture_output=True,
                               text=True, timeout=1800)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            expected = [
                "usr/bin/sstp",
                "usr/libexec/sstp/sstp-service",
                "usr/libexec/sstp/sstp-auth-dialog",
                "usr/lib/NetworkManager/VPN/nm-sstp-service.name",
                "usr/share/dbus-1/system.d/nm-sstp-service.conf",
                "usr/share/dbus-1/system.d/net.sstpclient.Client1.conf",
                "usr/share/dbus-1/system-services/net.sstpclient.Client1.service",
                "usr/share/dbus-1/interfaces/net.sstpclient.Client1.xml",
            ]
            for path in expected:
                self.assertTrue(os.path.isfile(os.path.join(dest, path)), path)
            plugins = [p for p in os.popen(f"find {dest} -name libnm-vpn-plugin-sstp.so").read().split()]
            self.assertEqual(len(plugins), 1)
            self.assertIn("/NetworkManager/", plugins[0])
            for binary in ("usr/bin/sstp", "usr/libexec/sstp/sstp-service", "usr/libexec/sstp/sstp-auth-dialog"):
                self.assertTrue(os.access(os.path.join(dest, binary), os.X_OK), binary)
            name = configparser.ConfigParser()
            name.read(os.path.join(dest, "usr/lib/NetworkManager/VPN/nm-sstp-service.name"))
            self.assertEqual(name["VPN Connection"]["service"], "org.freedesktop.NetworkManager.sstp")
            self.assertEqual(name["VPN Connection"]["program"], "/usr/libexec/sstp/sstp-service")
            self.assertEqual(name["GNOME"]["auth-dialog"], "/usr/libexec/sstp/sstp-auth-dialog")
            mode = os.stat(os.path.join(dest, "usr/lib/NetworkManager/VPN/nm-sstp-service.name")).st_mode & 0o777
            self.assertEqual(mode, 0o644, "NetworkManager refuses a .name writable by others")
            with open(os.path.join(dest, "usr/share/dbus-1/system-services/net.sstpclient.Client1.service")) as f:
                self.assertIn("Exec=/usr/libexec/sstp/sstp-service --standalone", f.read())
        finally:
            shutil.rmtree(dest, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
