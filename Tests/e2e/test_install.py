"""`make install DESTDIR=...` lays every file where NetworkManager and D-Bus
look, with the paths inside the files pointing at the installed ones."""
import configparser
import os
import shutil
import subprocess
import tempfile
import unittest

from harness import ROOT

DOCS_DIR = os.environ.get("DOCS_DIR", os.path.join(ROOT, ".build", "docs"))
# pkg-config's systemdsystemunitdir, as the Makefile uses.
SYSTEMD_UNIT_DIR = (subprocess.run(["pkg-config", "--variable=systemdsystemunitdir", "systemd"], capture_output=True,
                                   text=True).stdout.strip() or "/lib/systemd/system").lstrip("/")


def pppd_version():
    """VERSION from <pppd/patchlevel.h>: the plugin goes to /usr/lib/pppd/<it>/."""
    with open("/usr/include/pppd/patchlevel.h") as f:
        for line in f:
            words = line.split()
            if len(words) >= 3 and words[:2] == ["#define", "VERSION"]:
                return words[2].strip('"')
    raise AssertionError("no VERSION in /usr/include/pppd/patchlevel.h")


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
                "usr/libexec/sstp/sstp-auth-dialog-gtk.so",
                "usr/lib/NetworkManager/VPN/nm-sstp-service.name",
                "usr/share/dbus-1/system.d/nm-sstp-service.conf",
                "usr/share/dbus-1/system.d/net.sstpclient.Client1.conf",
                "usr/share/dbus-1/system-services/net.sstpclient.Client1.service",
                "usr/share/dbus-1/interfaces/net.sstpclient.Client1.xml",
                f"usr/lib/pppd/{pppd_version()}/sstp-pppd-bridge.so",
                f"{SYSTEMD_UNIT_DIR}/sstp@.service",
                f"{SYSTEMD_UNIT_DIR}/sstp-service.service",
            ]
            expected += ["usr/share/man/man1/sstp.1.gz", "usr/share/man/man8/sstp-service.8.gz",
                         "usr/share/man/man5/sstp.conf.5.gz", "usr/share/bash-completion/completions/sstp",
                         "usr/share/zsh/vendor-completions/_sstp",
                         "usr/share/fish/vendor_completions.d/sstp.fish"]
            for path in expected:
                self.assertTrue(os.path.isfile(os.path.join(dest, path)), path)
            for path in expected:
                if path.endswith(".gz"):
                    with open(os.path.join(dest, path), "rb") as f:
                        self.assertEqual(f.read(2), b"\x1f\x8b", f"{path} is not gzipped")
            plugins = [p for p in os.popen(f"find {dest} -name libnm-vpn-plugin-sstp.so").read().split()]
            self.assertEqual(len(plugins), 1)
            self.assertIn("/NetworkManager/", plugins[0])
            # The editor windows sit next to the plugin, which loads them from its own directory.
            for editor in ("libnm-vpn-plugin-sstp-editor.so", "libnm-gtk4-vpn-plugin-sstp-editor.so"):
                path = os.path.join(os.path.dirname(plugins[0]), editor)
                self.assertTrue(os.path.isfile(path), editor)
                self.assertEqual(os.stat(path).st_mode & 0o777, 0o644, editor)
            for binary in ("usr/bin/sstp", "usr/libexec/sstp/sstp-service", "usr/libexec/sstp/sstp-auth-dialog"):
                self.assertTrue(os.access(os.path.join(dest, binary), os.X_OK), binary)
            name = configparser.ConfigParser()
            name.read(os.path.join(dest, "usr/lib/NetworkManager/VPN/nm-sstp-service.name"))
            self.assertEqual(name["VPN Connection"]["service"], "org.freedesktop.NetworkManager.sstp")
            self.assertEqual(name["VPN Connection"]["program"], "/usr/libexec/sstp/sstp-service")
            self.assertEqual(name["GNOME"]["auth-dialog"], "/usr/libexec/sstp/sstp-auth-dialog")
            mode = os.stat(os.path.join(dest, "usr/lib/NetworkManager/VPN/nm-sstp-service.name")).st_mode & 0o777
            self.assertEqual(mode, 0o644, "NetworkManager refuses a .name writable by others")
            plugin = os.path.join(dest, f"usr/lib/pppd/{pppd_version()}/sstp-pppd-bridge.so")
            self.assertEqual(os.stat(plugin).st_mode & 0o777, 0o644, "pppd plugins are installed 0644")
            with open(os.path.join(dest, "usr/share/dbus-1/system-services/net.sstpclient.Client1.service")) as f:
                self.assertIn("Exec=/usr/libexec/sstp/sstp-service --standalone", f.read())
            with open(os.path.join(dest, SYSTEMD_UNIT_DIR, "sstp-service.service")) as f:
                self.assertIn("ExecStart=/usr/libexec/sstp/sstp-service --standalone", f.read())
            # The release build by default: the Swift runtime is inside.
            ldd = subprocess.run(["ldd", os.path.join(dest, "usr/bin/sstp")], capture_output=True, text=True).stdout
            self.assertNotIn("libswiftCore", ldd)
        finally:
            shutil.rmtree(dest, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
