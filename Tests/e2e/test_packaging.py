"""packaging/build-deb.sh turns `make install` of the release build into two
Debian packages: sstp-client-swift (headless, replaces network-manager-sstp)
and sstp-client-swift-gnome (the GTK editor and password window, replaces
network-manager-sstp-gnome), with every file where NetworkManager, D-Bus
and systemd look, Depends: from dpkg-shlibdeps, and no lintian error
(issue 11). The release binaries need nothing from the Swift toolchain; the
base package works without the GTK files."""
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

    def test_link_keeps_the_client_small(self):
        # Package.swift's executableLinking (issue 17, client memory): the
        # libstdc++ parts the static runtime uses are linked in (no
        # libstdc++.so mapped), so is the unwinder (no libgcc_s.so), the
        # relative relocations are packed (DT_RELR
        # instead of a 1 MB .rela.dyn), and no symbol is exported.
        for b in BINARIES:
            path = os.path.join(RELEASE, b)
            dynamic = run("readelf", "-dW", path, check=True).stdout
            self.assertNotIn("libstdc++", dynamic, b)
            self.assertNotIn("libgcc_s", dynamic, b)
            self.assertIn("(RELR)", dynamic, b)
            self.assertIn("libssl.so", dynamic, b)
            exported = run("nm", "-D", "--defined-only", path, check=True).stdout.split("\n")
            self.assertEqual([s for s in exported if s.strip()], [], b)

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


BASE = "sstp-client-swift"
GNOME = "sstp-client-swift-gnome"
# What only the -gnome package holds: everything that needs GTK.
GNOME_FILES = ("usr/lib/{ma}/NetworkManager/libnm-vpn-plugin-sstp-editor.so",
               "usr/lib/{ma}/NetworkManager/libnm-gtk4-vpn-plugin-sstp-editor.so",
               "usr/libexec/sstp/sstp-auth-dialog-gtk.so")
GTK_LIBS = r"libgtk|libgdk|libnma|libatk|libpango|libcairo"


def fields_of(deb):
    info = run("dpkg-deb", "--field", deb, check=True).stdout
    return dict(re.findall(r"(?m)^(\S+): (.*)$", info))


def names(field):
    return sorted(n.strip().split()[0] for n in field.split(","))


def files_of(deb):
    out = run("dpkg-deb", "--contents", deb, check=True).stdout
    return {line.split()[5].lstrip("./") for line in out.splitlines() if not line.startswith("d")}


class PackagingTests(unittest.TestCase):
    """build-deb.sh makes sstp-client-swift (headless) and
    sstp-client-swift-gnome (the GTK parts), as Debian splits
    network-manager-sstp and network-manager-sstp-gnome."""

    @classmethod
    def setUpClass(cls):
        cls.out = tempfile.mkdtemp(prefix="sstp-deb-")
        env = dict(os.environ, SWIFT_BIN_DIR=RELEASE, DEB_COMPRESS="-Zgzip -z6")
        r = run(os.path.join(ROOT, "packaging", "build-deb.sh"), cls.out, env=env, timeout=3600)
        cls.build = r
        lines = r.stdout.strip().splitlines() if r.returncode == 0 else []
        cls.printed = lines[-2:]
        by_name = {os.path.basename(p).split("_")[0]: p for p in cls.printed}
        cls.deb, cls.gnome_deb = by_name.get(BASE), by_name.get(GNOME)
        cls.multiarch = run("dpkg-architecture", "-qDEB_HOST_MULTIARCH").stdout.strip()

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.out, ignore_errors=True)

    def setUp(self):
        self.assertEqual(self.build.returncode, 0, self.build.stdout + self.build.stderr)
        for deb in (self.deb, self.gnome_deb):
            self.assertTrue(deb and os.path.exists(deb), self.printed)

    def extract(self, deb):
        tree = tempfile.mkdtemp(prefix="sstp-deb-x-")
        self.addCleanup(shutil.rmtree, tree, ignore_errors=True)
        run("dpkg-deb", "-x", deb, tree, check=True)
        return tree

    def gnome_files(self):
        return {f.format(ma=self.multiarch) for f in GNOME_FILES}

    def test_prints_both_packages_base_first(self):
        self.assertEqual([os.path.basename(p).split("_")[0] for p in self.printed], [BASE, GNOME])
        self.assertEqual(fields_of(self.deb)["Version"], fields_of(self.gnome_deb)["Version"])

    def test_control(self):
        fields = fields_of(self.deb)
        self.assertEqual(fields["Package"], BASE)
        for field in ("Conflicts", "Replaces", "Provides"):
            self.assertEqual(names(fields[field]), ["network-manager-sstp"], field)
        # dpkg-shlibdeps: versioned, and the libraries the binaries link.
        depends = fields["Depends"]
        for lib in ("libc6 (>=", "libssl3 (>=", "libdbus-1-3 (>=", "libnm0 (>=", "libglib2.0-0 (>="):
            self.assertIn(lib, depends)
        self.assertNotIn("swift", depends.lower())
        # Headless: nothing of GTK, directly or through the -gnome package.
        self.assertNotRegex(depends, r"gtk|nma|atk|" + GNOME, depends)
        self.assertNotRegex(fields.get("Recommends", ""), r"gtk|nma|" + GNOME)
        self.assertIn(GNOME, fields.get("Suggests", ""))
        self.assertRegex(fields["Installed-Size"], r"^\d+$")
        for script in ("postinst", "prerm", "postrm"):
            r = run("dpkg-deb", "--info", self.deb, script)
            self.assertEqual(r.returncode, 0, script)
            self.assertIn("exit 0", r.stdout)

    def test_gnome_control(self):
        fields = fields_of(self.gnome_deb)
        self.assertEqual(fields["Package"], GNOME)
        self.assertEqual(fields["Architecture"], fields_of(self.deb)["Architecture"])
        for field in ("Conflicts", "Replaces", "Provides"):
            self.assertEqual(names(fields[field]), ["network-manager-sstp-gnome"], field)
        depends = [d.strip() for d in fields["Depends"].split(",")]
        # Exactly this build of the base package, then its own shlibdeps.
        self.assertIn(f"{BASE} (= {fields['Version']})", depends)
        for lib in ("libgtk-3-0 (>=", "libgtk-4-1 (>=", "libnma0 (>=", "libnma-gtk4-0 (>=", "libc6 (>="):
            self.assertTrue(any(d.startswith(lib) for d in depends), (lib, depends))
        self.assertRegex(fields["Installed-Size"], r"^\d+$")
        # No maintainer scripts: it ships no unit, policy or bus file.
        for script in ("postinst", "prerm", "postrm"):
            self.assertNotEqual(run("dpkg-deb", "--info", self.gnome_deb, script).returncode, 0, script)
        md5 = run("dpkg-deb", "--info", self.gnome_deb, "md5sums", check=True).stdout
        self.assertEqual(sorted(line.split()[1] for line in md5.splitlines()),
                         sorted(files_of(self.gnome_deb)))

    def test_contents(self):
        contents = run("dpkg-deb", "--contents", self.deb, check=True).stdout
        for path in ("./usr/bin/sstp", "./usr/libexec/sstp/sstp-service", "./usr/libexec/sstp/sstp-auth-dialog",
                     "./usr/lib/NetworkManager/VPN/nm-sstp-service.name",
                     "./usr/share/dbus-1/system.d/nm-sstp-service.conf",
                     "./usr/share/dbus-1/system-services/net.sstpclient.Client1.service",
                     "./lib/systemd/system/sstp@.service", "./lib/systemd/system/sstp-service.service",
                     "./usr/share/man/man1/sstp.1.gz", "./usr/share/bash-completion/completions/sstp",
                     "./usr/share/doc/sstp-client-swift/copyright",
                     "./usr/share/doc/sstp-client-swift/changelog.gz"):
            self.assertIn(path, contents)
        self.assertIn(f"./usr/lib/{self.multiarch}/NetworkManager/libnm-vpn-plugin-sstp.so", contents)
        self.assertRegex(contents, r"\./usr/lib/pppd/[0-9.]+/sstp-pppd-bridge\.so")
        # Files owned by root, the .name file not writable by others.
        name_line = next(l for l in contents.splitlines() if l.endswith("nm-sstp-service.name"))
        self.assertTrue(name_line.startswith("-rw-r--r-- root/root"), name_line)
        base, gnome = files_of(self.deb), files_of(self.gnome_deb)
        self.assertEqual(base & gnome, set(), "no file in both packages")
        self.assertEqual(base & self.gnome_files(), set(), "the GTK files are in the -gnome package only")
        self.assertEqual(gnome, self.gnome_files() | {f"usr/share/doc/{GNOME}/copyright",
                                                      f"usr/share/doc/{GNOME}/changelog.gz"})
        for line in run("dpkg-deb", "--contents", self.gnome_deb, check=True).stdout.splitlines():
            self.assertIn(" root/root ", line)

    def test_base_package_loads_no_gtk(self):
        tree = self.extract(self.deb)
        for dirpath, _, files in os.walk(tree):
            for name in files:
                path = os.path.join(dirpath, name)
                with open(path, "rb") as f:
                    if f.read(4) != b"\x7fELF":
                        continue
                needed = run("readelf", "-d", path, check=True).stdout
                self.assertNotRegex(needed, GTK_LIBS, os.path.relpath(path, tree))

    def test_base_package_alone_auth_dialog_asks_on_the_terminal(self):
        """Without sstp-auth-dialog-gtk.so (the -gnome package), a display
        in the environment still ends on the terminal path, which says why."""
        dialog = os.path.join(self.extract(self.deb), "usr/libexec/sstp/sstp-auth-dialog")
        request = "DATA_KEY=gateway\nDATA_VAL=vpn.example.com\n\nDONE\n"
        env = dict(os.environ, DISPLAY=":65000")
        r = subprocess.run([dialog, "-u", "7e6f1b2a-0000-4000-8000-000000000001", "-n", "Work VPN", "-s",
                            "org.freedesktop.NetworkManager.sstp", "-i"], input=request, capture_output=True,
                           text=True, env=env, start_new_session=True, timeout=20)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertEqual(r.stdout, "")
        self.assertRegex(r.stderr, r"no graphical prompt \(.*sstp-auth-dialog-gtk\.so.*\); asking on the terminal")
        self.assertIn("cannot ask: no terminal", r.stderr)

    def test_base_package_alone_editor_says_what_is_missing(self):
        """A GTK 3 and a GTK 4 program load the base package's plugin: no
        editor window, an error naming the missing library and the -gnome
        package (nm-plugin/tests/test-editor-ui.c --without-editor)."""
        plugin = os.path.join(self.extract(self.deb), f"usr/lib/{self.multiarch}/NetworkManager",
                              "libnm-vpn-plugin-sstp.so")
        if shutil.which("xvfb-run") is None:
            self.fail("xvfb-run is missing: make deps installs it")
        for gtk in ("gtk3", "gtk4"):
            ui = os.path.join(ROOT, "nm-plugin", "build", f"test-editor-ui-{gtk}")
            self.assertTrue(os.path.exists(ui), f"{ui} is missing: make native builds it")
            with self.subTest(gtk=gtk):
                r = run("xvfb-run", "-a", ui, plugin, "--without-editor", timeout=120)
                self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
                self.assertIn("is not installed", r.stdout)
                self.assertIn(GNOME, r.stdout)

    def test_binaries_are_stripped_and_static_swift(self):
        tree = self.extract(self.deb)
        for b in ("usr/bin/sstp", "usr/libexec/sstp/sstp-service"):
            path = os.path.join(tree, b)
            sections = run("readelf", "-S", "-W", path, check=True).stdout
            self.assertNotIn(".debug_info", sections, b)
            needed = run("readelf", "-d", path, check=True).stdout
            self.assertNotRegex(needed, r"libswift|Foundation|dispatch|RUNPATH|RPATH", b)
        gtree = self.extract(self.gnome_deb)
        for f in self.gnome_files():
            self.assertNotIn(".debug_info", run("readelf", "-S", "-W", os.path.join(gtree, f), check=True).stdout, f)

    def test_lintian_reports_no_error(self):
        if shutil.which("lintian") is None:
            self.fail("lintian is missing: make deps installs it")
        with open(os.path.join(ROOT, "packaging", "README.md")) as f:
            readme = f.read()
        for deb in (self.deb, self.gnome_deb):
            with self.subTest(deb=os.path.basename(deb)):
                r = run("lintian", "--fail-on", "error", "--tag-display-limit", "0", deb, timeout=600)
                self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
                self.assertNotRegex(r.stdout, r"(?m)^E: ", r.stdout)
                # Each warning left is explained in packaging/README.md.
                for tag in set(re.findall(r"(?m)^W: \S+: (\S+)", r.stdout)):
                    self.assertIn(f"`{tag}`", readme, f"lintian warning {tag} is not explained in packaging/README.md")


if __name__ == "__main__":
    unittest.main()
