"""Real NetworkManager 1.42 inside a test (shared/notes/networkmanager.md
section 13): in the test's client network namespace with private mounts,
on a private system bus that also carries our plugin's policy, with our
.name file (pointing at this build's service, editor plugin and auth
dialog) bound over /usr/lib/NetworkManager/VPN."""
import os
import re
import signal
import subprocess
import time

from dbusbus import SERVICE, PrivateSystemBus
from harness import BUILD, ROOT

NM_PLUGIN_DIR = os.path.join(ROOT, "nm-plugin")
NM_PLUGIN_BUILD = os.path.join(NM_PLUGIN_DIR, "build")
EDITOR_PLUGIN = os.path.join(NM_PLUGIN_BUILD, "libnm-vpn-plugin-sstp.so")
AUTH_DIALOG = os.path.join(NM_PLUGIN_BUILD, "sstp-auth-dialog")

NM_CONF = """[main]
plugins=keyfile
dns=none
rc-manager=unmanaged
no-auto-default=*
auth-polkit=false
hostname-mode=none

[keyfile]
path={t}/system-connections
unmanaged-devices=interface-name:sstp*

[connectivity]
enabled=false

[logging]
level=DEBUG
domains=ALL:INFO,VPN:TRACE,VPN_PLUGIN:TRACE
"""


class NetworkManager:
    def __init__(self, directory, namespace):
        self.t = directory
        self.ns = namespace
        self.nm = None
        self.bus = None

    def start(self):
        t = self.t
        for d in ("system-connections", "varlib", "conf.d", "sysconf.d", "vpn"):
            os.makedirs(os.path.join(t, d), exist_ok=True)
        os.chmod(os.path.join(t, "system-connections"), 0o700)
        with open(os.path.join(t, "NetworkManager.conf"), "w") as f:
            f.write(NM_CONF.format(t=t))
        with open(os.path.join(NM_PLUGIN_DIR, "nm-sstp-service.name")) as f:
            name = f.read()
        name = re.sub(r"(?m)^program=.*$", "program=" + SERVICE, name)
        name = re.sub(r"(?m)^plugin=.*$", "plugin=" + EDITOR_PLUGIN, name)
        name = re.sub(r"(?m)^auth-dialog=.*$", "auth-dialog=" + AUTH_DIALOG, name)
        path = os.path.join(t, "vpn", "nm-sstp-service.name")
        with open(path, "w") as f:
            f.write(name)
        os.chmod(path, 0o644)
        os.chmod(os.path.join(t, "vpn"), 0o755)
        self.bus = PrivateSystemBus(os.path.join(t, "bus"), include_dirs=("/usr/share/dbus-1/system.d",),
                                    activation=False)
        self.env = self.bus.env(NM_VPN_PLUGIN_DIR=os.path.join(t, "vpn"))
        self.log = open(os.path.join(t, "nm.log"), "w")
        script = (
            "mount -o remount,ro /sys && mount -t tmpfs nmrun /run && "
            "mkdir -p /run/NetworkManager && mount --bind {t}/varlib /var/lib/NetworkManager && "
            "mount --bind {t}/vpn /usr/lib/NetworkManager/VPN && "
            "exec /usr/sbin/NetworkManager --debug --config={t}/NetworkManager.conf "
            "--config-dir={t}/conf.d --system-config-dir={t}/sysconf.d "
            "--intern-config={t}/varlib/intern.conf --state-file={t}/varlib/NetworkManager.state "
            "--pid-file={t}/NetworkManager.pid").format(t=t)
        self.nm = subprocess.Popen(["ip", "netns", "exec", self.ns, "sh", "-c", script], env=self.env,
                                   stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            r = self.nmcli("-t", "-f", "RUNNING", "general", check=False)
            if r.returncode == 0 and r.stdout.strip() == "running":
                return
            if self.nm.poll() is not None:
                break
            time.sleep(0.2)
        raise RuntimeError("NetworkManager did not start:\n" + self.read_log(6000))

    def read_log(self, tail=None):
        with open(os.path.join(self.t, "nm.log"), errors="replace") as f:
            text = f.read()
        return text[-tail:] if tail else text

    def nmcli(self, *argv, check=True, timeout=90):
        r = subprocess.run(["nmcli", *argv], env=self.env, capture_output=True, text=True, timeout=timeout)
        if check and r.returncode != 0:
            raise AssertionError(f"nmcli {' '.join(argv)} failed ({r.returncode}): {r.stdout}{r.stderr}\n"
                                 + self.read_log(6000))
        return r

    def base_connection(self, interface, address, gateway):
        """A VPN needs an active primary connection with a default route."""
        self.nmcli("connection", "add", "type", "ethernet", "ifname", interface, "con-name", "base",
                   "ipv4.method", "manual", "ipv4.addresses", address, "ipv4.gateway", gateway,
                   "ipv6.method", "disabled")
        self.nmcli("connection", "up", "base")

    def write_keyfile(self, name, text):
        path = os.path.join(self.t, "system-connections", name + ".nmconnection")
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.write(fd, text.encode())
        os.close(fd)
        self.nmcli("connection", "reload")

    def stop(self):
        if self.nm and self.nm.poll() is None:
            self.nm.send_signal(signal.SIGTERM)
            try:
                self.nm.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.nm.kill()
                self.nm.wait()
        if self.bus:
            self.bus.close()
        if getattr(self, "log", None):
            self.log.close()
