"""A Debian 12 root without the Swift toolchain, for the clean-root test
(issue 11): made once with debootstrap into a cache under the build
directory, with NetworkManager and dbus installed from Debian in a second
cached layer. Each run mounts a scratch overlay over both layers, so
nothing a test installs touches the cache; the overlay, /proc, /sys, /dev
and /run live in a private mount namespace and vanish with it.

Both layers are built atomically: into NAME.tmp, then renamed; an
interrupted run leaves only a .tmp that the next run deletes."""
import os
import shutil
import subprocess
import sys
import time

from harness import BUILD, ROOT

CACHE = os.path.abspath(os.environ.get("SSTP_CLEAN_ROOT_CACHE", os.path.join(os.path.dirname(BUILD), "clean-root")))
MIRROR = os.environ.get("SSTP_DEBIAN_MIRROR", "http://deb.debian.org/debian")
SUITE = "bookworm"
BASE = os.path.join(CACHE, "base")
NM_LAYER = os.path.join(CACHE, "nm")
# What the second layer adds; the package under test must find everything
# else it needs in Debian.
NM_PACKAGES = ["network-manager", "dbus"]
APT_ENV = "DEBIAN_FRONTEND=noninteractive LC_ALL=C"


def log(text):
    print(f"clean-root: {text}", file=sys.stderr, flush=True)


def _run(argv, timeout):
    r = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(argv[:6])} ... failed ({r.returncode}):\n{r.stdout[-4000:]}{r.stderr[-4000:]}")
    return r


def _fresh(path):
    if os.path.lexists(path):
        shutil.rmtree(path)


def ensure_base():
    """debootstrap --variant=minbase bookworm; returns seconds spent (0 when cached)."""
    if os.path.isdir(BASE):
        return 0.0
    os.makedirs(CACHE, exist_ok=True)
    tmp = BASE + ".tmp"
    _fresh(tmp)
    start = time.monotonic()
    # debootstrap mounts /proc and /sys in the target while it works: in a
    # private mount namespace those mounts end with it, even on a crash.
    _run(["unshare", "-m", "--propagation", "private",
          "debootstrap", "--variant=minbase", SUITE, tmp, MIRROR], timeout=1800)
    os.rename(tmp, BASE)
    return time.monotonic() - start


def ensure_nm_layer():
    """The overlay upper layer with NetworkManager and dbus; seconds spent."""
    if os.path.isdir(NM_LAYER):
        return 0.0
    upper, work, merged = NM_LAYER + ".tmp", os.path.join(CACHE, "work.tmp"), os.path.join(CACHE, "merged.tmp")
    for d in (upper, work, merged):
        _fresh(d)
        os.makedirs(d)
    start = time.monotonic()
    # policy-rc.d keeps the packages' scripts from starting daemons in the
    # chroot; it is removed again, so the layer is as Debian installs it.
    script = f"""
mount -t overlay overlay -o lowerdir={BASE},upperdir={upper},workdir={work} {merged}
mount -t proc proc {merged}/proc
mount -t sysfs -o ro sysfs {merged}/sys
mount --rbind /dev {merged}/dev
mount --make-rslave {merged}/dev
printf '#!/bin/sh\\nexit 101\\n' > {merged}/usr/sbin/policy-rc.d
chmod 755 {merged}/usr/sbin/policy-rc.d
chroot {merged} env {APT_ENV} apt-get update -q
chroot {merged} env {APT_ENV} apt-get install -y -q --no-install-recommends {' '.join(NM_PACKAGES)}
chroot {merged} apt-get clean
rm -f {merged}/usr/sbin/policy-rc.d
umount -R {merged}
"""
    try:
        _run(["unshare", "-m", "--propagation", "private", "sh", "-ec", script], timeout=1800)
        os.rename(upper, NM_LAYER)
    finally:
        for d in (work, merged, upper):
            if os.path.lexists(d):
                shutil.rmtree(d)
    return time.monotonic() - start


class ScratchRoot:
    """The cached root with a throwaway overlay on top, mounted in a private
    mount namespace held by a sleeping process that lives in network
    namespace `netns`. `chroot(...)` runs a command in the root either in
    that network namespace or (net=False) in the host's, for apt."""

    def __init__(self, netns, with_networkmanager=True):
        self.netns = netns
        self.lower = f"{NM_LAYER}:{BASE}" if with_networkmanager else BASE
        self.dir = os.path.join(CACHE, f"scratch-{os.getpid()}")
        self.merged = os.path.join(self.dir, "merged")
        self.holder = None

    def __enter__(self):
        _fresh(self.dir)
        for d in ("upper", "work", "merged"):
            os.makedirs(os.path.join(self.dir, d))
        m = self.merged
        script = f"""
mount -t overlay overlay -o lowerdir={self.lower},upperdir={self.dir}/upper,workdir={self.dir}/work {m}
mount -t proc proc {m}/proc
mount -t sysfs -o ro sysfs {m}/sys
mount --rbind /dev {m}/dev
mount --make-rslave {m}/dev
mount -t tmpfs -o mode=0755 run {m}/run
mount -t tmpfs -o mode=1777 tmp {m}/tmp
echo ready
exec sleep 3600
"""
        # ip netns exec first: the sysfs mounted inside then shows the
        # client namespace's interfaces, as NetworkManager needs.
        self.holder = subprocess.Popen(["ip", "netns", "exec", self.netns, "unshare", "-m", "--propagation",
                                        "private", "sh", "-ec", script], stdout=subprocess.PIPE,
                                       stderr=subprocess.PIPE, text=True)
        line = self.holder.stdout.readline().strip()
        if line != "ready":
            self.holder.wait(10)
            err = self.holder.stderr.read()
            self.__exit__(None, None, None)
            raise RuntimeError("cannot mount the scratch root: " + err)
        return self

    def path(self, p=""):
        """A path inside the root as seen from here: through the holder's
        /proc/PID/root, since the mounts exist only in its namespace."""
        return f"/proc/{self.holder.pid}/root{self.merged}{p}"

    def argv(self, *cmd, net=True):
        ns = ["-m", "-n"] if net else ["-m"]
        return ["nsenter", "-t", str(self.holder.pid), *ns, "chroot", self.merged, *cmd]

    def chroot(self, *cmd, net=True, check=True, timeout=300, input=None):
        r = subprocess.run(self.argv(*cmd, net=net), capture_output=True, text=True, timeout=timeout, input=input)
        if check and r.returncode != 0:
            raise AssertionError(f"in the root: {' '.join(cmd)} failed ({r.returncode}):\n{r.stdout}{r.stderr}")
        return r

    def sh(self, script, **kw):
        return self.chroot("sh", "-ec", script, **kw)

    def put(self, path, data, mode=0o644):
        self.chroot("sh", "-c", f"mkdir -p \"$(dirname '{path}')\" && cat > '{path}' && chmod {mode:o} '{path}'",
                    input=data)

    def __exit__(self, *exc):
        if self.holder is not None:
            if self.holder.poll() is None:
                subprocess.run(["nsenter", "-t", str(self.holder.pid), "-m", "umount", "-R", self.merged],
                               capture_output=True, timeout=60)
                self.holder.kill()
            self.holder.wait()
            self.holder.stdout.close()
            self.holder.stderr.close()
            self.holder = None
        if os.path.lexists(self.dir):
            shutil.rmtree(self.dir, ignore_errors=True)
        return False


_debs = {}


def build_debs(release_dir, out):
    """packaging/build-deb.sh over the release binaries into `out` (once per
    process and release directory); the paths of the two .debs it prints,
    (sstp-client-swift, sstp-client-swift-gnome)."""
    if release_dir in _debs and all(os.path.exists(p) for p in _debs[release_dir]):
        return _debs[release_dir]
    env = dict(os.environ, SWIFT_BIN_DIR=release_dir, DEB_COMPRESS="-Zgzip -z6")
    r = subprocess.run([os.path.join(ROOT, "packaging", "build-deb.sh"), out], env=env, capture_output=True,
                       text=True, timeout=3600)
    if r.returncode != 0:
        raise AssertionError("build-deb.sh failed:\n" + r.stdout + r.stderr)
    by_name = {os.path.basename(p).split("_")[0]: p for p in r.stdout.strip().splitlines()[-2:]}
    if set(by_name) != {"sstp-client-swift", "sstp-client-swift-gnome"}:
        raise AssertionError("build-deb.sh printed no two packages:\n" + r.stdout)
    _debs[release_dir] = (by_name["sstp-client-swift"], by_name["sstp-client-swift-gnome"])
    return _debs[release_dir]
