"""packaging/build-deb.sh turns `make install` of the release build into a
Debian package with every file where NetworkManager, D-Bus and systemd
look, Depends: from dpkg-shlibdeps, a control file that replaces
network-manager-sstp(-gnome), and no lintian error (issue 11). The release
binaries need nothing from the Swift toolchain."""
import os
import re
import shutil
import subprocess
import tempfile
import unittest

from harness import ROOT

RELEASE = os.path.abspath(os.environ.get("SSTP_RELEASE_DIR", os.path.join(ROOT, ".build", "release")))
BINARIES = ("sstp", "sstp-service")


def run(*argv, **kw):
    return subprocess.run(argv, capture_output=True, text=True, **kw)


class ReleaseBinaryTests(unittest.TestCase):
    def setUp(self):
        for b in BINARIES:
            if not os.path.exists(os.path.join(RELEASE, b)):
                self.fail(f"{RELEASE}/{b} is missing: run make release")

    def test_ldd_names_only_system_libraries(self):
        for b in BINARIES:
            ldd = run("ldd", os.path.join(RELEASE, b), check=True).stdout
            self.assertNotIn("/opt/swift", ldd, ldd)
            self.assertNotIn("not found", ldd, ldd)
            self.assertNotRegex(ldd, r"libswift|libFoundation|libdispatch|libBlocksRuntime", ldd)
            for line in ldd.splitlines():
                m = re.search(r"=> (\S+)", line)
                if m:
                    owner = run("dpkg", "-S", os.path.realpath(m.group(1)))
                    if owner.returncode != 0:
                        owner = run("dpkg", "-S", m.group(1))
                    self.assertEqual(owner.returncode, 0, f"{b}: {m.group(1)} is in no Debian package")

    def test_version_runs_with_opt_swift_hidden(self):
        if os.geteuid() != 0:
            self.skipTest("needs root for a mount namespace")
        script = ("mount -t tmpfs none /opt/swift && ! ls /opt/swift/usr >/dev/null 2>&1 && "
                  + " && ".join(f"'{os.path.join(RELEASE, b)}' --version" for b in BINARIES))
        r = run("unshare", "-m", "--propagation", "private", "sh", "-ec", script)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        lines = r.stdout.splitlines()
        self.assertEqual(len(lines), 2, r.stdout)
        for line in lines:
            self.assertRegex(line, r"^\d+\.\d+\.\d+ \(commit ([0-9a-f]{12}(-dirty)?|unknown)\)$")


class PackagingTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.out = tempfile.mkdtemp(prefix="sstp-deb-")
        env = dict(os.environ, SWIFT_BIN_DIR=RELEASE, DEB_COMPRESS="-Zgzip -z6")
        r = run(os.path.join(ROOT, "packaging", "build-deb.sh"), cls.out, env=env, timeout=3600)
        cls.build = r
        cls.deb = r.stdout.strip().splitlines()[-1] if r.returncode == 0 and r.stdout.strip() else None

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.out, ignore_errors=True)

    def setUp(self):
        self.assertEqual(self.build.returncode, 0, self.build.stdout + self.build.stderr)
        self.assertTrue(self.deb and os.path.exists(self.deb), self.deb)

    def test_control(self):
        info = run("dpkg-deb", "--field", self.deb, check=True).stdout
        fields = dict(re.findall(r"(?m)^(\S+): (.*)$", info))
        self.assertEqual(fields["Package"], "sstp-client-swift")
        for field in ("Conflicts", "Replaces", "Provides"):
            names = [n.strip().split()[0] for n in fields[field].split(",")]
            self.assertEqual(sorted(names), ["network-manager-sstp", "network-manager-sstp-gnome"], field)
        # dpkg-shlibdeps: versioned, and the libraries the binaries link.
        depends = fields["Depends"]
        for lib in ("libc6 (>=", "libssl3 (>=", "libdbus-1-3 (>=", "libnm0 (>=", "libglib2.0-0 (>="):
            self.assertIn(lib, depends)
        self.assertNotIn("swift", depends.lower())
        self.assertRegex(fields["Installed-Size"], r"^\d+$")
        for script in ("postinst", "prerm", "postrm"):
            r = run("dpkg-deb", "--info", self.deb, script)
            self.assertEqual(r.returncode, 0, script)
            self.assertIn("exit 0", r.stdout)

    def test_contents(self):
        contents = run("dpkg-deb", "--contents", self.deb, check=True).stdout
        for path in ("./usr/bin/sstp", "./usr/libexec/sstp/sstp-service", "./usr/libexec/sstp/sstp-auth-dialog",
                     "./usr/lib/NetworkManager/VPN/nm-sstp-service.name",
                     "./usr/share/dbus-1/system.d/nm-sstp-service.conf",
                     "./usr/share/dbus-1/system-services/net.sstpclient.Client1.service",
                     "./lib/systemd/system/sstp@.service", "./lib/systemd/system/sstp-service.service",
                     "./usr/share/doc/sstp-client-swift/copyright",
                     "./usr/share/doc/sstp-client-swift/changelog.gz"):
            self.assertIn(path, contents)
        self.assertIn("libnm-vpn-plugin-sstp.so", contents)
        # Files owned by root, the .name file not writable by others.
        name_line = next(l for l in contents.splitlines() if l.endswith("nm-sstp-service.name"))
        self.assertTrue(name_line.startswith("-rw-r--r-- root/root"), name_line)

    def test_binaries_are_stripped_and_static_swift(self):
        tree = tempfile.mkdtemp(prefix="sstp-deb-x-")
        try:
            run("dpkg-deb", "-x", self.deb, tree, check=True)
            for b in ("usr/bin/sstp", "usr/libexec/sstp/sstp-service"):
                path = os.path.join(tree, b)
                sections = run("readelf", "-S", "-W", path, check=True).stdout
                self.assertNotIn(".debug_info", sections, b)
                needed = run("readelf", "-d", path, check=True).stdout
                self.assertNotRegex(needed, r"libswift|Foundation|dispatch|RUNPATH|RPATH", b)
        finally:
            shutil.rmtree(tree, ignore_errors=True)

    def test_lintian_reports_no_error(self):
        if shutil.which("lintian") is None:
            self.fail("lintian is missing: make deps installs it")
        r = run("lintian", "--fail-on", "error", "--no-tag-display-limit", self.deb, timeout=600)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertNotRegex(r.stdout, r"(?m)^E: ", r.stdout)
        # Each warning left is explained in packaging/README.md.
        with open(os.path.join(ROOT, "packaging", "README.md")) as f:
            readme = f.read()
        for tag in set(re.findall(r"(?m)^W: \S+: (\S+)", r.stdout)):
            self.assertIn(f"`{tag}`", readme, f"lintian warning {tag} is not explained in packaging/README.md")


if __name__ == "__main__":
    unittest.main()
