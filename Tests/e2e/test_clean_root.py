"""The package on a clean Debian 12 (issue 11): in a debootstrap root with
no Swift toolchain (cleanroot.py), `apt-get install ./sstp-client-swift_*.deb`
(the headless package) resolves every dependency from Debian and pulls
nothing of GTK; `sstp --version` runs; `sstp connect` from the root reaches
the bundled server and moves traffic; the root's own dbus-daemon and
NetworkManager bring an sstp profile up and down through the installed
plugin; `apt-get remove` and `purge` leave no file of ours. The desktop
package, sstp-client-swift-gnome, is not installed (its GTK dependencies
would be hundreds of packages): apt's plan for it is checked by simulation,
and so is the hand-over to and from Debian's network-manager-sstp(-gnome).

The first run builds the cached root (debootstrap, then NetworkManager);
later runs reuse it. The test prints how long each part took."""
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

import cleanroot
from cleanroot import ScratchRoot, log
from harness import CLIENT_IP, PASSWORD, ROOT, SERVER_IP, TUNNEL_SERVER_IP, USER, TunnelTestCase, cleanup_pki, pki, run

RELEASE = os.path.abspath(os.environ.get("SSTP_RELEASE_DIR", os.path.join(ROOT, ".build", "release")))
PACKAGE = "sstp-client-swift"
GNOME = "sstp-client-swift-gnome"
# Nothing of this may come with the headless package.
GTK_PACKAGES = r"^(libgtk|libgdk|libnma|libatk|gtk|adwaita|libwayland|libx11)"
DOCS_DIR = os.environ.get("DOCS_DIR", os.path.join(ROOT, ".build", "docs"))
# Paths the package manager and the daemons change on their own; the
# file-list comparison leaves them out (dpkg's own record of the package
# is checked by name below).
CHURN = ("/var/lib/dpkg/", "/var/lib/apt/", "/var/cache/", "/var/log/", "/var/lib/NetworkManager/",
         "/etc/ld.so.cache", "/var/lib/dbus/", "/etc/machine-id")
NM_CONF = """[main]
plugins=keyfile
dns=none
rc-manager=unmanaged
no-auto-default=*
auth-polkit=false
hostname-mode=none

[keyfile]
unmanaged-devices=interface-name:sstp*

[connectivity]
enabled=false

[logging]
level=INFO
domains=ALL:INFO,VPN:TRACE,VPN_PLUGIN:TRACE
"""
LISTING = ("find / \\( -path /proc -o -path /sys -o -path /dev -o -path /run -o -path /tmp \\) -prune "
           "-o -print | sort")


class CleanRootTests(TunnelTestCase):
    def setUp(self):
        if os.geteuid() != 0:
            self.skipTest("needs root for debootstrap, chroot and namespaces")
        for b in ("sstp", "sstp-service"):
            if not os.path.exists(os.path.join(RELEASE, b)):
                self.fail(f"{RELEASE}/{b} is missing: run make release (make test builds it)")
        self.started = time.monotonic()
        self.first_run = not (os.path.isdir(cleanroot.BASE) and os.path.isdir(cleanroot.NM_LAYER))
        self.times = {"debootstrap": cleanroot.ensure_base(), "NetworkManager layer": cleanroot.ensure_nm_layer()}
        super().setUp()
        self.daemons = []
        self.addCleanup(self.stop_daemons)

    def mount_root(self, with_networkmanager):
        self.root = ScratchRoot(self.ns.client, with_networkmanager)
        self.addCleanup(self.root.__exit__, None, None, None)
        self.root.__enter__()
        return self.root

    def install_package(self, *apt_options):
        """build-deb.sh, then apt-get install ./the.deb in the root."""
        root = self.root
        t = time.monotonic()
        deb, gnome = cleanroot.build_debs(RELEASE, DEB_DIR)
        self.times["build-deb.sh"] = time.monotonic() - t
        root.chroot("mkdir", "-p", "/root/pkg")
        shutil.copy(deb, root.path("/root/pkg/"))
        shutil.copy(gnome, root.path("/root/pkg/"))
        self.gnome_deb = "/root/pkg/" + os.path.basename(gnome)
        self.before_files, self.before_packages = self.listing(), self.packages()
        t = time.monotonic()
        out = self.apt("install", *apt_options, "/root/pkg/" + os.path.basename(deb)).stdout
        self.times["apt-get install"] = time.monotonic() - t
        self.assertIn(f"Setting up {PACKAGE}", out)
        self.assertIn(PACKAGE, self.packages())
        self.assertNotIn(GNOME, self.packages())
        gtk = sorted(p for p in self.packages() - self.before_packages if re.match(GTK_PACKAGES, p))
        self.assertEqual(gtk, [], "the headless package pulled in GTK")
        self.ours = [p for p in root.chroot("dpkg", "-L", PACKAGE).stdout.splitlines() if p.strip()]
        # Self-contained binaries: nothing unresolved, nothing Swift.
        for binary in ("/usr/bin/sstp", "/usr/libexec/sstp/sstp-service"):
            ldd = root.chroot("ldd", binary).stdout
            self.assertNotIn("not found", ldd, ldd)
            self.assertNotIn("swift", ldd.lower(), ldd)
            self.assertNotIn("/opt/", ldd, ldd)
        for binary in ("sstp", "/usr/libexec/sstp/sstp-service"):
            v = root.chroot(binary, "--version")
            self.assertRegex(v.stdout, r"^\d+\.\d+\.\d+ \(commit [0-9a-f]{12}(-dirty)?\)\n$")

    def remove_and_purge(self):
        """apt-get remove leaves no file of dpkg -L; after purge every new
        path belongs to a dependency apt pulled in. Returns those packages."""
        root = self.root
        self.apt("remove", PACKAGE)
        left = [p for p in self.ours if os.path.lexists(root.path(p)) and not os.path.isdir(root.path(p))]
        self.assertEqual(left, [], "files of ours left after apt-get remove")
        self.apt("purge", PACKAGE)
        self.stop_daemons()
        self.assertNotIn(PACKAGE, self.packages())
        self.assertEqual(root.sh(f"ls /var/lib/dpkg/info | grep '^{PACKAGE}' || true").stdout, "")
        after_files = self.listing()
        deps = sorted(self.packages() - self.before_packages)
        owned = set()
        if deps:
            owned = set(root.chroot("dpkg", "-L", *deps).stdout.splitlines())
        # Debian 12 roots are merged-/usr: /lib/x is /usr/lib/x on disk.
        owned |= {"/usr" + p for p in owned if p.startswith(("/lib/", "/lib64/", "/bin/", "/sbin/"))}
        new = sorted(p for p in after_files - self.before_files if p not in owned and not p.startswith(CHURN))
        self.assertEqual(new, [], "paths left after apt-get purge")
        self.assertFalse(any("sstp" in p for p in after_files - self.before_files), after_files - self.before_files)
        return deps

    def report(self, what, deps):
        total = time.monotonic() - self.started
        kind = "first run (root built now)" if self.first_run else "cached run"
        parts = ", ".join(f"{k} {v:.0f} s" for k, v in self.times.items())
        log(f"{what}, {kind}: {total:.0f} s in all ({parts}); apt pulled from Debian: {' '.join(deps) or 'nothing'}")

    def stop_daemons(self):
        for p in reversed(self.daemons):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
        self.daemons = []

    def daemon(self, name, *cmd):
        logfile = open(os.path.join(self.tmp, name + ".log"), "w")
        self.addCleanup(logfile.close)
        p = subprocess.Popen(self.root.argv(*cmd), stdout=logfile, stderr=subprocess.STDOUT)
        self.daemons.append(p)
        return p

    def read(self, name):
        with open(os.path.join(self.tmp, name + ".log"), errors="replace") as f:
            return f.read()

    def wait_log(self, name, text, proc, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.read(name):
                return
            if proc.poll() is not None:
                break
            time.sleep(0.1)
        self.fail(f"{name}: no '{text}':\n{self.read(name)[-4000:]}")

    def listing(self):
        return set(self.root.sh(LISTING).stdout.split("\n")) - {""}

    def packages(self):
        out = self.root.chroot("dpkg-query", "-W", "-f", "${Package} ${db:Status-Abbrev}\\n").stdout
        return {line.split()[0] for line in out.splitlines() if len(line.split()) > 1 and line.split()[1] == "ii"}

    def apt(self, *args):
        """apt-get in the root (host network, for Debian's mirror). When the
        cached package lists are stale, update them once and retry."""
        argv = ["env", "DEBIAN_FRONTEND=noninteractive", "LC_ALL=C", "apt-get", "-y", "-q", *args]
        r = self.root.chroot(*argv, net=False, check=False, timeout=900)
        if r.returncode != 0 and args[0] == "install":
            self.root.chroot("env", "LC_ALL=C", "apt-get", "update", "-q", net=False, timeout=900)
            r = self.root.chroot(*argv, net=False, check=False, timeout=900)
        self.assertEqual(r.returncode, 0, f"apt-get {' '.join(args)}:\n{r.stdout}{r.stderr}")
        return r

    def test_install_connect_networkmanager_purge(self):
        root = self.mount_root(with_networkmanager=True)
        self.assert_no_swift(root)
        # The bus runs before the install: postinst reloads its configuration.
        root.chroot("mkdir", "-p", "/run/dbus")
        bus = self.daemon("dbus", "dbus-daemon", "--system", "--nofork", "--nopidfile")
        deadline = time.monotonic() + 10
        while not os.path.exists(root.path("/run/dbus/system_bus_socket")):
            self.assertIsNone(bus.poll(), self.read("dbus"))
            self.assertLess(time.monotonic(), deadline, "dbus-daemon made no socket")
            time.sleep(0.1)
        self.install_package()
        self.check_docs(root)
        self.check_apt_plans()
        self.connect_from_the_root()
        self.networkmanager_up_down()
        # Remove with the bus still running (postrm reloads it), then purge.
        self.report("with NetworkManager", self.remove_and_purge())

    def test_install_without_networkmanager(self):
        """The bare minbase root: apt fetches the libraries from Debian, the
        maintainer scripts find no systemd, no bus and no NetworkManager."""
        root = self.mount_root(with_networkmanager=False)
        self.assert_no_swift(root)
        self.assertNotIn("network-manager", self.packages())
        self.install_package("--no-install-recommends")
        self.assertFalse(os.path.lexists(root.path("/usr/sbin/NetworkManager")))
        self.auth_dialog_without_gtk()
        deps = self.remove_and_purge()
        self.assertIn("libnm0", deps)
        self.report("without NetworkManager", deps)

    def simulate(self, *args):
        """apt-get -s install ...: apt's plan, nothing changed."""
        t = time.monotonic()
        out = self.apt("install", "-s", *args).stdout
        self.times["apt-get -s"] = self.times.get("apt-get -s", 0) + time.monotonic() - t
        return out

    def check_apt_plans(self):
        """With the base package installed: the desktop package resolves
        from Debian and keeps the base; Debian's network-manager-sstp-gnome
        needs Debian's network-manager-sstp in exactly its version, so
        either of Debian's packages takes the place of ours (and the other
        way round, ours removes theirs: Conflicts/Replaces)."""
        root = self.root
        plan = self.simulate(self.gnome_deb)
        self.assertRegex(plan, rf"(?m)^Inst {GNOME} ")
        self.assertNotRegex(plan, rf"(?m)^Remv {PACKAGE} ")
        pulled = re.findall(r"(?m)^Inst (\S+)", plan)
        self.assertTrue(any(p.startswith("libgtk-3") for p in pulled), plan[-2000:])
        self.assertTrue(any(p.startswith("libnma") for p in pulled), plan[-2000:])
        log(f"{GNOME} would pull {len(pulled) - 1} packages from Debian (not installed here)")
        deps = root.chroot("apt-cache", "show", "network-manager-sstp-gnome", net=False).stdout
        self.assertRegex(deps, r"(?m)^Depends:.*\bnetwork-manager-sstp \(= ")
        for debian in ("network-manager-sstp", "network-manager-sstp-gnome"):
            with self.subTest(debian=debian):
                plan = self.simulate(debian)
                self.assertRegex(plan, rf"(?m)^Remv {PACKAGE} ")
                self.assertRegex(plan, r"(?m)^Inst network-manager-sstp ")

    def auth_dialog_without_gtk(self):
        """No GTK in the root and no sstp-auth-dialog-gtk.so: with a display
        named, the dialog still takes the terminal path and says why."""
        root = self.root
        self.assertFalse(os.path.lexists(root.path("/usr/libexec/sstp/sstp-auth-dialog-gtk.so")))
        request = "DATA_KEY=gateway\nDATA_VAL=vpn.example.com\n\nDONE\n"
        r = root.chroot("setsid", "-w", "env", "DISPLAY=:65000", "/usr/libexec/sstp/sstp-auth-dialog", "-u",
                        "7e6f1b2a-0000-4000-8000-000000000001", "-n", "Work VPN", "-s",
                        "org.freedesktop.NetworkManager.sstp", "-i", check=False, input=request, timeout=30)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("no graphical prompt", r.stderr)
        self.assertIn("asking on the terminal", r.stderr)
        self.assertIn("cannot ask: no terminal", r.stderr)

    def assert_no_swift(self, root):
        """No Swift toolchain anywhere in the root."""
        self.assertTrue(os.path.isdir(root.path("/usr/bin")), root.path("/usr/bin"))
        self.assertFalse(os.path.lexists(root.path("/opt/swift")))
        self.assertEqual(root.sh("find / -xdev \\( -name 'swift*' -o -name 'libswift*' -o -name 'libFoundation*' \\) -print -quit").stdout, "")

    def check_docs(self, root):
        """Man pages and completion (made by `make docs`, installed by `make install`)."""
        for page in ("/usr/share/man/man1/sstp.1.gz", "/usr/share/man/man8/sstp-service.8.gz",
                     "/usr/share/man/man5/sstp.conf.5.gz", "/usr/share/bash-completion/completions/sstp",
                     "/usr/share/zsh/vendor-completions/_sstp", "/usr/share/fish/vendor_completions.d/sstp.fish"):
            self.assertTrue(os.path.isfile(root.path(page)), page)
        r = root.chroot("bash", "-c", ". /usr/share/bash-completion/completions/sstp && complete -p sstp", check=False)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("sstp", r.stdout)

    def connect_from_the_root(self):
        """The root's sstp, in the client namespace, to the host's server."""
        root = self.root
        self.start_server()
        with open(os.path.join(pki(), "root.pem")) as f:
            root.put("/etc/sstp/root.pem", f.read())
        root.put("/etc/sstp/test.pass", PASSWORD + "\n", 0o600)
        client = self.daemon("client", "sstp", "connect", SERVER_IP, "--user", USER, "--password-file",
                             "/etc/sstp/test.pass", "--ca-cert", "/etc/sstp/root.pem", "--server-name", "sstp.test")
        self.wait_log("client", "connected:", client)
        r = self.ping(self.ns.client, TUNNEL_SERVER_IP)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr + self.read("client"))
        client.send_signal(signal.SIGTERM)
        self.assertEqual(client.wait(15), 0, self.read("client"))
        self.daemons.remove(client)
        root.chroot("rm", "-f", "/etc/sstp/test.pass")

    def networkmanager_up_down(self):
        root = self.root
        root.put("/etc/NetworkManager/conf.d/90-sstp-test.conf", NM_CONF)
        nm = self.daemon("nm", "NetworkManager", "--no-daemon")
        deadline = time.monotonic() + 30
        while True:
            r = root.chroot("nmcli", "-t", "-f", "RUNNING", "general", check=False)
            if r.returncode == 0 and r.stdout.strip() == "running":
                break
            self.assertIsNone(nm.poll(), self.read("nm"))
            self.assertLess(time.monotonic(), deadline, self.read("nm"))
            time.sleep(0.2)
        nmcli = lambda *a, **kw: root.chroot("nmcli", *a, timeout=120, **kw)  # noqa: E731
        nmcli("connection", "add", "type", "ethernet", "ifname", "veth-c", "con-name", "base", "ipv4.method",
              "manual", "ipv4.addresses", f"{CLIENT_IP}/24", "ipv4.gateway", "10.99.0.254", "ipv6.method", "disabled")
        nmcli("connection", "up", "base")
        nmcli("connection", "add", "type", "vpn", "con-name", "sstp-clean", "vpn-type", "sstp", "vpn.data",
              f"gateway={SERVER_IP}, user={USER}, ca-cert=/etc/sstp/root.pem, password-flags=0",
              "vpn.secrets", f"password={PASSWORD}")
        r = nmcli("connection", "up", "sstp-clean", check=False)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr + self.read("nm")[-6000:])
        self.assertIn("successfully activated", r.stdout)
        addrs = run("ip", "-n", self.ns.client, "-o", "-4", "addr", "show").stdout
        self.assertRegex(addrs, r"sstp\d+\s+inet 10\.201\.0\.\d+ peer 10\.201\.0\.1/32")
        r = self.ping(self.ns.client, TUNNEL_SERVER_IP)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        nmcli("connection", "down", "sstp-clean")
        deadline = time.monotonic() + 10
        while re.search(r"\bsstp\d+", run("ip", "-n", self.ns.client, "-o", "link").stdout):
            self.assertLess(time.monotonic(), deadline, "the TUN outlived nmcli connection down")
            time.sleep(0.2)
        # The test's own files go again, so the purge comparison sees only the package.
        nmcli("connection", "delete", "sstp-clean")
        nmcli("connection", "delete", "base")
        self.stop_daemon(nm)
        root.chroot("rm", "-rf", "/etc/NetworkManager/conf.d/90-sstp-test.conf", "/etc/sstp")

    def stop_daemon(self, p):
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(15)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
        self.daemons.remove(p)


DEB_DIR = tempfile.mkdtemp(prefix="sstp-clean-root-deb-")


def tearDownModule():
    cleanup_pki()
    shutil.rmtree(DEB_DIR, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
