"""A private system bus for the D-Bus tests: dbus-daemon with the default
system policy, our policy files from dbus/, and (optionally) an activation
directory holding our activation file pointed at this build."""
import os
import subprocess
import time

from harness import BUILD, ROOT

SERVICE = os.path.join(BUILD, "sstp-service")

BUS_CONF = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path={sock}</listen>
  <auth>EXTERNAL</auth>
  <servicedir>{services}</servicedir>
  <policy context="default">
    <allow user="*"/>
    <deny own="*"/>
    <deny send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Introspectable"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Properties"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Monitoring"/>
  </policy>
  <policy user="root">
    <allow eavesdrop="true"/>
    <allow eavesdrop="true" send_type="signal"/>
  </policy>
  {includes}
</busconfig>
"""


class PrivateSystemBus:
    """dbus-daemon of type system on a socket in `directory`, run with
    `prefix` (e.g. ip netns exec NS) so that activated services start in
    that namespace."""

    def __init__(self, directory, prefix=(), include_dirs=(), activation=True):
        self.directory = directory
        self.sock = os.path.join(directory, "bus.sock")
        self.services = os.path.join(directory, "services")
        os.makedirs(self.services, exist_ok=True)
        os.chmod(directory, 0o755)
        self.policy = os.path.join(directory, "policy")
        os.makedirs(self.policy, exist_ok=True)
        for name in os.listdir(os.path.join(ROOT, "dbus")):
            if name.endswith(".conf"):
                with open(os.path.join(ROOT, "dbus", name)) as f, open(os.path.join(self.policy, name), "w") as g:
                    g.write(f.read())
        if activation:
            with open(os.path.join(ROOT, "dbus", "net.sstpclient.Client1.service")) as f:
                text = f.read().replace("/usr/libexec/sstp/sstp-service", SERVICE + " --idle-exit 5")
            # Without a launch helper the bus starts the service itself (as
            # root here), so User= is not needed.
            text = "\n".join(l for l in text.splitlines() if not l.startswith("User="))
            with open(os.path.join(self.services, "net.sstpclient.Client1.service"), "w") as f:
                f.write(text + "\n")
        includes = "\n  ".join(f"<includedir>{d}</includedir>" for d in (self.policy, *include_dirs))
        conf = os.path.join(directory, "bus.conf")
        with open(conf, "w") as f:
            f.write(BUS_CONF.format(sock=self.sock, services=self.services, includes=includes))
        self.log = open(os.path.join(directory, "dbus.log"), "w")
        self.proc = subprocess.Popen([*prefix, "dbus-daemon", f"--config-file={conf}", "--nofork", "--nopidfile",
                                      "--print-address=1"], stdout=subprocess.PIPE, stderr=self.log, text=True)
        self.address = self.proc.stdout.readline().strip()
        if not self.address:
            raise RuntimeError("dbus-daemon did not start")

    def env(self, **extra):
        return dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=self.address, LANG="C", LC_ALL="C", **extra)

    def busctl(self, *args, user=None, check=False, timeout=60):
        argv = ["busctl", f"--address={self.address}", *args]
        if user is not None:
            argv = ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups", *argv]
        return subprocess.run(argv, capture_output=True, text=True, check=check, timeout=timeout)

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.proc.stdout.close()
        self.log.close()
