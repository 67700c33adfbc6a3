"""A User-Mode Linux guest for tests that need kernel PPP.

The machines this project builds and tests on run a kernel without PPP
(/dev/ppp is missing), so anything that needs it (pppd, Debian's sstpc,
PyPI's sstpd) runs inside a UML guest: Debian's `user-mode-linux` kernel
(/usr/bin/linux.uml) with the host's own root through hostfs, so the guest
runs the host's binaries. Facts behind the choices here are in
shared/notes/uml.md.

For example, our client with the pppd backend in the guest against our
test server on the host side (test_interop.py has complete uses):

    with Guest("ppp", etc_ppp={"chap-secrets": "..."}) as g:
        server = harness.Process(g.host_exec(SERVER, "--listen", f"{g.host_ip}:443", ...), "server")
        client = g.spawn(f"exec {SSTP} connect {g.host_ip} --backend pppd ...", "client")
        client.wait_for("connected:")                # GuestProcess: output(),
        rc, out = g.run("ping -c 3 10.201.0.1")      #   wait_for(), wait(), stop()
        client.stop()                                # SIGTERM to its process group
        server.close()
    # the guest is powered off; its TAP, namespace and run folder are gone

API: Guest(tag, host_ip=, guest_ip=, prefix=, mem=, modules=, init=[shell
commands run at boot], etc_ppp={name: content}, binds={guest path:
content}); boot()/shutdown() or a with block; path(), write_file(),
copy_in() for files the guest sees; run(script) -> (rc, output);
spawn(script, name) -> GuestProcess; host_exec(*argv) for host-side
programs next to the TAP; netns, tap, boot_seconds. Set SSTP_UML_KEEP=1 to
keep the run folder (init.log, console.log, q/) after a run.

What a Guest makes and removes:
  - a host network namespace holding the guest's TAP (host_ip on the host
    side, guest_ip on the guest's vec0); run host-side programs in it with
    host_exec(). The namespace is deleted at shutdown, which also removes the
    TAP and kills what the test left running in it.
  - a run folder under /var/tmp, shared with the guest at the same path
    (hostfs); path() and write_file() place files there for the guest. It is
    deleted at shutdown. (It is not under /tmp because the guest mounts a
    private tmpfs on /tmp.)
  - the UML process group (UML is started as a session leader, so one signal
    to the group reaches all its helper processes).

Inside the guest: private tmpfs on /run and /tmp, a private /etc/ppp (from
the `etc_ppp` files, so the host's secrets, options and ip-up scripts are
neither used nor touched), devpts, the kernel modules loaded from the
package's folder with `modprobe -d` (never by writing /lib/modules, which
would land on the host), lo and vec0 up. Then the `init` commands run; a
failing one aborts the boot with its output in the error.

Commands reach the guest through the run folder: the host writes
q/<n>.sh (by a rename, so it appears whole), the guest's init loop starts
it with bash as a job of its own (its own process group), with its output in
q/<n>.out, its process group id in q/<n>.pid and, when it ends, its exit
status in q/<n>.rc. Writes through hostfs are host writes at once, so the
host reads these files directly. Every fork and exec costs about 0.2 s in
the guest, so the loop polls with shell builtins only.
"""
import os
import shutil
import signal
import subprocess
import tempfile
import time

KERNEL = "/usr/bin/linux.uml"
MODULE_ROOT = "/usr/lib/uml/modules"
DEFAULT_MODULES = (
    "ppp_generic", "ppp_async", "ppp_deflate", "bsd_comp", "ppp_mppe", "ipv6", "tun", "sch_netem")
# An /etc/ppp for the guest: Debian's options (auth, crtscts, modem, lock)
# break pty links, so it is empty; secrets are filled in by the test.
DEFAULT_ETC_PPP = {"options": "", "chap-secrets": "", "pap-secrets": ""}

_INIT = r"""#!/bin/bash
# PID 1 of a UML test guest (made by Tests/e2e/uml.py). $uml_run comes from
# the kernel command line.
RUN=$uml_run
Q=$RUN/q
exec >>"$RUN/init.log" 2>&1 </dev/null
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C.UTF-8
unset uml_run

fail() {
    echo "init failed: $*"
    : > "$RUN/init-failed"
    sync
    echo o > /proc/sysrq-trigger
    sleep 60
}

# Every fork and exec costs about 0.2 s in UML: one mount, one modprobe and
# one ip call do all the setting up, and the rest uses shell builtins.
PS4='+ $EPOCHREALTIME '
set -x
mount -a -T "$RUN/fstab" || fail mount
read -r release < /proc/sys/kernel/osrelease
if [ -n "@MODULES@" ]; then
    modprobe -d /run/modroot -S "$release" -a @MODULES@ || fail modprobe
fi
echo "@HOSTNAME@" > /proc/sys/kernel/hostname
ip -batch "$RUN/ip.batch" || fail network
set +x

( set -ex; . "$RUN/init-cmds.sh" ) || fail "an init command"

mkfifo /run/tick
exec 9<>/run/tick
# Job control puts every command in its own process group, with no setsid
# to exec: fork and exec are slow in UML, so the loop uses builtins only.
set -m
declare -A running started
: > "$RUN/ready"
echo "ready"

while :; do
    for f in "$Q"/*.sh; do
        [ -e "$f" ] || continue
        n=${f%.sh}
        [ -n "${started[$n]}" ] && continue
        started[$n]=1
        bash "$f" >"$n.out" 2>&1 </dev/null &
        running[$!]=$n
        echo $! > "$n.pid"
    done
    for pid in "${!running[@]}"; do
        # Still running unless gone (reaped by bash) or a zombie; the state
        # follows the ") " that ends the command name.
        if [ -e "/proc/$pid" ] && read -r stat < "/proc/$pid/stat"; then
            stat=${stat##*) }
            [ "${stat%% *}" != Z ] && continue
        fi
        wait "$pid"
        echo $? > "${running[$pid]}.rc"
        unset "running[$pid]"
    done
    [ -e "$RUN/poweroff" ] && break
    read -t 0.05 -u 9 _
done

echo "powering off"
kill -TERM -1
read -t 0.3 -u 9 _
kill -KILL -1
sync
echo o > /proc/sysrq-trigger
sleep 60
"""


class GuestError(AssertionError):
    pass


class GuestProcess:
    """A command running in the guest in its own session (see Guest.spawn)."""

    def __init__(self, guest, stem, name):
        self.guest = guest
        self.stem = stem
        self.name = name

    @property
    def log(self):
        return self.stem + ".out"

    def output(self):
        try:
            with open(self.log, "r", errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    @property
    def returncode(self):
        """The exit status once the command has ended, else None."""
        try:
            with open(self.stem + ".rc") as f:
                return int(f.read().strip())
        except (FileNotFoundError, ValueError):
            return None

    def pgid(self, timeout=10):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with open(self.stem + ".pid") as f:
                    return int(f.read().strip())
            except (FileNotFoundError, ValueError):
                self.guest.check_alive()
                time.sleep(0.02)
        raise GuestError(f"{self.name}: not started in the guest within {timeout}s")

    def wait_for(self, text, timeout=20):
        """Waits until `text` is in the output; returns the output."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            out = self.output()
            if text in out:
                return out
            rc = self.returncode
            if rc is not None:
                out = self.output()
                if text in out:
                    return out
                raise GuestError(f"{self.name} exited ({rc}) in the guest before '{text}':\n{out}")
            self.guest.check_alive()
            time.sleep(0.05)
        raise GuestError(f"{self.name}: no '{text}' within {timeout}s:\n{self.output()}")

    def wait(self, timeout=30):
        """Waits for the end; returns the exit status."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            rc = self.returncode
            if rc is not None:
                return rc
            self.guest.check_alive()
            time.sleep(0.05)
        raise GuestError(f"{self.name} did not exit within {timeout}s in the guest:\n{self.output()}")

    def send_signal(self, sig=signal.SIGTERM):
        """Sends `sig` to the command's process group in the guest."""
        if self.returncode is None:
            self.guest.run(f"kill -{int(sig)} -- -{self.pgid()} 2>/dev/null || true", timeout=10)

    def stop(self, sig=signal.SIGTERM, timeout=10):
        """Signals the process group, then kills it if it is still there
        after `timeout`; returns the exit status."""
        if self.returncode is None:
            self.send_signal(sig)
            try:
                return self.wait(timeout)
            except GuestError:
                self.send_signal(signal.SIGKILL)
                return self.wait(10)
        return self.returncode


class Guest:
    """A UML guest joined to a host network namespace by a TAP link."""

    def __init__(self, tag, *, host_ip="10.97.0.1", guest_ip="10.97.0.2", prefix=24, mem="384M",
                 modules=DEFAULT_MODULES, init=(), etc_ppp=None, binds=None, boot_timeout=60):
        """tag: a short name (letters, digits) for the namespace and guest.
        init: shell commands run in order at boot, after the network is up.
        etc_ppp: file name -> content for the guest's private /etc/ppp
          (chap-secrets is written with mode 600); defaults are empty
          options, chap-secrets and pap-secrets.
        binds: guest path -> content: a private file bind-mounted over that
          path in the guest (e.g. {"/etc/hosts": "..."})."""
        self.tag = tag
        self.host_ip = host_ip
        self.guest_ip = guest_ip
        self.prefix = prefix
        self.mem = mem
        self.modules = tuple(modules)
        self.init = list(init)
        self.etc_ppp = dict(DEFAULT_ETC_PPP)
        self.etc_ppp.update(etc_ppp or {})
        self.binds = dict(binds or {})
        self.boot_timeout = boot_timeout
        self.netns = f"uml{os.getpid() % 100000}{tag}"[:15]
        self.tap = "umltap0"
        self.run_dir = None
        self.proc = None
        self.netns_made = False
        self.counter = 0
        self.boot_seconds = None

    # -- life cycle -----------------------------------------------------

    def __enter__(self):
        try:
            self.boot()
        except BaseException:
            self.shutdown()
            raise
        return self

    def __exit__(self, *exc):
        self.shutdown()
        return False

    def boot(self):
        if os.geteuid() != 0:
            raise GuestError("a UML guest needs root (network namespace, TAP)")
        if not os.path.exists(KERNEL):
            raise GuestError(f"{KERNEL} is missing: install Debian's user-mode-linux (make deps)")
        started = time.monotonic()
        self.run_dir = tempfile.mkdtemp(prefix=f"sstp-uml-{self.tag}-", dir="/var/tmp")
        os.chmod(self.run_dir, 0o755)
        os.makedirs(self.path("q"))
        os.makedirs(self.path("etc-ppp"))
        os.makedirs(self.path("binds"))
        for name, content in self.etc_ppp.items():
            mode = 0o600 if name.endswith("secrets") else 0o644
            self.write_file(os.path.join("etc-ppp", name), content, mode)
        for i, (target, content) in enumerate(self.binds.items()):
            os.makedirs(self.path("binds", str(i)))
            self.write_file(os.path.join("binds", str(i), "content"), content)
        release = _kernel_release()
        # A checkout under /tmp (CI clones there) must stay visible in the
        # guest although the guest's /tmp is private: bind it aside before
        # the tmpfs covers /tmp, then back to the same path.
        repo = os.path.realpath(os.path.join(os.path.dirname(__file__), "..", ".."))
        keep_repo = repo == "/tmp" or repo.startswith("/tmp/")
        fstab = [
            "proc /proc proc defaults 0 0",
            "sys /sys sysfs defaults 0 0",
            "tmpfs /run tmpfs mode=755 0 0",
        ]
        if keep_repo:
            fstab.append(f"{repo} /run/sstp-repo none bind,X-mount.mkdir 0 0")
        fstab += [
            "tmpfs /tmp tmpfs mode=1777 0 0",
        ]
        if keep_repo:
            fstab.append(f"/run/sstp-repo {repo} none bind,X-mount.mkdir 0 0")
        fstab += [
            "devpts /dev/pts devpts ptmxmode=666,mode=620,gid=5,X-mount.mkdir 0 0",
            f"{self.path('etc-ppp')} /etc/ppp none bind 0 0",
            f"{MODULE_ROOT}/{release} /run/modroot/lib/modules/{release} none bind,X-mount.mkdir 0 0",
        ]
        for i, target in enumerate(self.binds):
            fstab.append(f"{self.path('binds', str(i), 'content')} {target} none bind 0 0")
        self.write_file("fstab", "".join(line + "\n" for line in fstab))
        self.write_file("ip.batch", f"link set lo up\naddr add {self.guest_ip}/{self.prefix} dev vec0\n"
                                    "link set vec0 up\n")
        self.write_file("init-cmds.sh", "".join(cmd + "\n" for cmd in self.init))
        script = (_INIT.replace("@MODULE_ROOT@", MODULE_ROOT)
                  .replace("@MODULES@", " ".join(self.modules))
                  .replace("@HOSTNAME@", f"uml-{self.tag}")
                  )
        self.write_file("init.sh", script, 0o755)

        _run("ip", "netns", "add", self.netns)
        self.netns_made = True
        _run("ip", "-n", self.netns, "link", "set", "lo", "up")
        _run("ip", "-n", self.netns, "tuntap", "add", "dev", self.tap, "mode", "tap")
        _run("ip", "-n", self.netns, "addr", "add", f"{self.host_ip}/{self.prefix}", "dev", self.tap)
        _run("ip", "-n", self.netns, "link", "set", self.tap, "up")

        argv = [KERNEL, f"mem={self.mem}", "root=/dev/root", "rootfstype=hostfs", "rootflags=/", "rw",
                f"init={self.path('init.sh')}", f"uml_run={self.run_dir}",
                f"umid={self.netns}", f"uml_dir={self.path('uml')}",
                "con0=fd:0,fd:1", "con=null", "ssl=null",
                f"vec0:transport=tap,ifname={self.tap},depth=128,gro=1"]
        console = open(self.path("console.log"), "wb")
        try:
            # `ip netns exec` execs UML in place, so UML is the session and
            # process-group leader: one killpg reaches all its helpers.
            self.proc = subprocess.Popen(["ip", "netns", "exec", self.netns, *argv],
                                         stdin=subprocess.DEVNULL, stdout=console,
                                         stderr=subprocess.STDOUT, start_new_session=True)
        finally:
            console.close()
        deadline = time.monotonic() + self.boot_timeout
        while not os.path.exists(self.path("ready")):
            if os.path.exists(self.path("init-failed")) or self.proc.poll() is not None:
                raise GuestError(f"the guest did not boot:\n{self.diagnostics()}")
            if time.monotonic() > deadline:
                raise GuestError(f"the guest was not ready within {self.boot_timeout}s:\n{self.diagnostics()}")
            time.sleep(0.05)
        self.boot_seconds = time.monotonic() - started

    def shutdown(self, timeout=15):
        """Powers the guest off (or kills its process group), deletes the
        namespace (and with it the TAP) and the run folder."""
        if self.proc is not None:
            if self.proc.poll() is None:
                try:
                    open(self.path("poweroff"), "w").close()
                    self.proc.wait(timeout)
                except subprocess.TimeoutExpired:
                    pass
            if self.proc.poll() is None:
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.proc.wait()
            else:
                # Helpers left in the group after the main process ended.
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            self.proc = None
        if self.netns_made:
            for pid in _run("ip", "netns", "pids", self.netns, check=False).stdout.split():
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except (ProcessLookupError, ValueError):
                    pass
            _run("ip", "netns", "del", self.netns, check=False)
            self.netns_made = False
        if self.run_dir and os.environ.get("SSTP_UML_KEEP") is None:
            shutil.rmtree(self.run_dir, ignore_errors=True)
        self.run_dir = None

    # -- files ----------------------------------------------------------

    def path(self, *parts):
        """A path in the run folder; the guest sees it at the same path."""
        return os.path.join(self.run_dir, *parts)

    def write_file(self, name, content, mode=0o644):
        """Writes a file into the run folder; returns its path."""
        path = self.path(name)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
        with os.fdopen(fd, "w") as f:
            f.write(content)
        os.chmod(path, mode)
        return path

    def copy_in(self, source, name=None, mode=0o644):
        """Copies a host file into the run folder; returns its path."""
        path = self.path(name or os.path.basename(source))
        shutil.copyfile(source, path)
        os.chmod(path, mode)
        return path

    # -- commands -------------------------------------------------------

    def host_exec(self, *argv):
        """argv to run a host program in the namespace that holds the TAP."""
        return ["ip", "netns", "exec", self.netns, *argv]

    def spawn(self, script, name="cmd"):
        """Starts a bash script in the guest, in its own session, without
        waiting; returns a GuestProcess."""
        self.check_alive()
        self.counter += 1
        stem = self.path("q", f"{self.counter:04d}-{name}")
        tmp = stem + ".tmp"
        with open(tmp, "w") as f:
            f.write(script + "\n")
        os.rename(tmp, stem + ".sh")
        return GuestProcess(self, stem, name)

    def run(self, script, timeout=60, check=True, name="run"):
        """Runs a bash script in the guest and waits; returns (rc, output).
        With check, a non-zero status raises GuestError."""
        p = self.spawn(script, name)
        try:
            rc = p.wait(timeout)
        except GuestError:
            p.send_signal(signal.SIGKILL)
            raise
        out = p.output()
        if check and rc != 0:
            raise GuestError(f"guest command failed ({rc}): {script}\n{out}")
        return rc, out

    def check_alive(self):
        if self.proc is None or self.proc.poll() is not None:
            raise GuestError(f"the guest is not running:\n{self.diagnostics()}")

    def diagnostics(self):
        parts = []
        for name in ("init.log", "console.log"):
            try:
                with open(self.path(name), errors="replace") as f:
                    text = f.read()
                parts.append(f"--- {name} (last 3000 characters)\n{text[-3000:]}")
            except (OSError, TypeError):
                pass
        return "\n".join(parts)


def _kernel_release():
    """The version of the modules Debian's user-mode-linux ships."""
    releases = sorted(os.listdir(MODULE_ROOT)) if os.path.isdir(MODULE_ROOT) else []
    if len(releases) != 1:
        raise GuestError(f"expected one kernel release in {MODULE_ROOT}, found {releases}")
    return releases[0]


def _run(*args, check=True):
    return subprocess.run(args, check=check, capture_output=True, text=True)
