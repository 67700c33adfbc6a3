"""packaging/build-deb.sh turns `make install` into a Debian package with
every file where NetworkManager and D-Bus look, and a control file that
replaces network-manager-sstp."""
import os
import shutil
import subprocess
import tempfile
import unittest

from harness import BUILD, ROOT


class PackagingTests(unittest.TestCase):
    def test_deb(self):
        out = tempfile.mkdtemp(prefix="sstp-deb-")
        try:
            env = dict(os.environ, SWIFT_BIN_DIR=BUILD, VERSION="0.0.1")
            r = subprocess.run([os.path.join(ROOT, "packaging", "build-deb.sh"), out], env=env,
                               capture_output=True, text=True, timeout=1800)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            deb = r.stdout.strip().splitlines()[-1]
            self.assertTrue(os.path.exists(deb), deb)
            info = subprocess.run(["dpkg-deb", "--info", deb], capture_output=True, text=True, check=True).stdout
            self.assertIn("Package: sstp-client-swift", info)
            self.assertIn("Conflicts: network-manager-sstp", info)
            self.assertIn("Replaces: network-manager-sstp", info)
            contents = subprocess.run(["dpkg-deb", "--contents", deb], capture_output=True, text=True,
                                      check=True).stdout
            for path in ("./usr/bin/sstp", "./usr/libexec/sstp/sstp-service", "./usr/libexec/sstp/sstp-auth-dialog",
                         "./usr/lib/NetworkManager/VPN/nm-sstp-service.name",
                         "./usr/share/dbus-1/system.d/nm-sstp-service.conf",
                         "./usr/share/dbus-1/system-services/net.sstpclient.Client1.service"):
                self.assertIn(path, contents)
            self.assertIn("libnm-vpn-plugin-sstp.so", contents)
            # Files owned by root, the .name file not writable by others.
            name_line = next(l for l in contents.splitlines() if l.endswith("nm-sstp-service.name"))
            self.assertTrue(name_line.startswith("-rw-r--r-- root/root"), name_line)
        finally:
            shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
