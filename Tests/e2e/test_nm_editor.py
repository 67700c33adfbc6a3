"""The editor window in the real nm-connection-editor (issue 12), under
Xvfb, against a private NetworkManager: a test drives the window through
AT-SPI (nm_editor_driver.py) to add an SSTP connection with gateway, user,
password and a CA file and save it; vpn.data then holds exactly those keys
and the connection comes up against the bundled server. A profile written
by network-manager-sstp 1.3 opened and saved unchanged keeps vpn.data byte
for byte. The screenshots in docs/ come from here (SSTP_SCREENSHOT_DIR=docs)."""
import os
import re
import signal
import subprocess
import sys
import time
import unittest
import uuid

from harness import CLIENT_IP, PASSWORD, ROOT, SERVER_IP, TunnelTestCase, cleanup_pki, pki
from nm import AUTH_DIALOG, EDITOR_PLUGIN, NM_PLUGIN_BUILD, NetworkManager

sys.path.insert(0, os.path.join(ROOT, "nm-plugin", "tests"))
from xdisplay import XDisplay, screenshot_dir  # noqa: E402

DRIVER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "nm_editor_driver.py")
# Debian's Python: it has python3-pyatspi (python3 may be another one).
SYSTEM_PYTHON = "/usr/bin/python3"
EDITORS = [os.path.join(NM_PLUGIN_BUILD, name) for name in
           ("libnm-vpn-plugin-sstp-editor.so", "libnm-gtk4-vpn-plugin-sstp-editor.so")]


def descendants(pid):
    """pid's children, grandchildren, ... (parents before their children)."""
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    stat = f.read()
            except OSError:
                continue
            # The field after the ")" that ends the command name is the state, then the parent.
            fields = stat[stat.rindex(")") + 2:].split()
            if fields[0] != "Z":
                children.setdefault(int(fields[1]), []).append(int(entry))
    out, queue = [], [pid]
    while queue:
        for child in children.get(queue.pop(0), []):
            out.append(child)
            queue.append(child)
    return out


def vpn_data(nm, name):
    return nm.nmcli("-t", "-f", "vpn.data", "connection", "show", name).stdout


class NMEditorTests(TunnelTestCase):
    def setUp(self):
        super().setUp()
        for f in (EDITOR_PLUGIN, AUTH_DIALOG, *EDITORS):
            if not os.path.exists(f):
                self.fail(f"{f} is missing: run make build")
        self.server = self.start_server()
        self.nm = NetworkManager(os.path.join(self.tmp, "nm"), self.ns.client)
        self.addCleanup(self.nm.stop)
        self.nm.start()
        self.nm.base_connection("veth-c", f"{CLIENT_IP}/24", "10.99.0.254")
        self.x = XDisplay()
        self.addCleanup(self.x.close)
        # A session bus of our own: the accessibility bus is started on it.
        self.session_log = open(os.path.join(self.tmp, "session-bus.log"), "w")
        self.addCleanup(self.session_log.close)
        # The services it starts get its environment: the display's XDG directories.
        self.env = self.x.env(self.nm.env, GTK_A11Y="atspi")
        self.env.pop("NO_AT_BRIDGE", None)
        self.session = subprocess.Popen(["dbus-daemon", "--session", "--nofork", "--print-address=1"],
                                        stdout=subprocess.PIPE, stderr=self.session_log, text=True,
                                        env=self.env)
        self.addCleanup(self.stop_session_bus)
        self.env["DBUS_SESSION_BUS_ADDRESS"] = self.session.stdout.readline().strip()
        self.shots = screenshot_dir(os.path.join(NM_PLUGIN_BUILD, "screenshots"))
        os.makedirs(self.shots, exist_ok=True)

    def stop_session_bus(self):
        # The services the bus started (the accessibility bus and registry,
        # dconf) go first, while their parents still reap them; then the bus.
        for pid in reversed(descendants(self.session.pid)):
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                continue
            deadline = time.monotonic() + 5
            while os.path.exists(f"/proc/{pid}") and time.monotonic() < deadline:
                time.sleep(0.05)
        self.stop_process(self.session)

    @staticmethod
    def stop_process(p):
        if p.poll() is None:
            p.terminate()
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        if p.stdout:
            p.stdout.close()

    def editor(self, *argv):
        log = open(os.path.join(self.tmp, "editor.log"), "w")
        self.addCleanup(log.close)
        p = subprocess.Popen(["nm-connection-editor", *argv], env=self.env, stdout=log, stderr=subprocess.STDOUT)
        self.addCleanup(self.stop_process, p)
        return p

    def editor_log(self):
        with open(os.path.join(self.tmp, "editor.log"), errors="replace") as f:
            return f.read()[-4000:]

    def drive(self, *argv):
        r = subprocess.run([SYSTEM_PYTHON, DRIVER, *argv], env=self.env, capture_output=True, text=True,
                           timeout=120)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr + self.editor_log())
        self.assertIn("saved", r.stdout)

    def wait_saved(self, editor, name):
        # nm-connection-editor leaves once the saved connection's window closes.
        editor.wait(timeout=30)
        for _ in range(50):
            if self.nm.nmcli("-t", "-f", "NAME", "connection", "show", check=False).stdout.count(name):
                return
            subprocess.run(["sleep", "0.2"])
        self.fail(f"{name} was not saved:\n{self.editor_log()}")

    def test_create_fill_save_connect(self):
        ca = os.path.join(pki(), "root.pem")
        editor = self.editor("--create", "--type", "vpn:org.freedesktop.NetworkManager.sstp")
        # The window must map (xdotool --onlyvisible), or there is nothing to drive.
        self.x.wait_for_window("Editing VPN connection 1", timeout=60)
        self.drive("fill", self.shots, SERVER_IP, "alice", PASSWORD, ca)
        self.wait_saved(editor, "VPN connection 1")
        for shot in ("editor-main.png", "editor-advanced.png"):
            self.assertGreater(os.path.getsize(os.path.join(self.shots, shot)), 5000, shot)

        data = vpn_data(self.nm, "VPN connection 1")
        items = dict(item.split(" = ", 1) for item in
                     re.sub(r"^vpn\.data:", "", data.strip()).split(", "))
        self.assertEqual(items, {"gateway": SERVER_IP, "user": "alice", "ca-cert": ca}, data)
        # NetworkManager stores the secrets in their own step after the
        # connection itself; on a busy machine nmcli can ask in between.
        for _ in range(50):
            secrets = self.nm.nmcli("-s", "-t", "-f", "vpn.secrets", "connection", "show",
                                    "VPN connection 1").stdout
            if f"password = {PASSWORD}" in secrets:
                break
            subprocess.run(["sleep", "0.2"])
        self.assertIn(f"password = {PASSWORD}", secrets, self.editor_log())

        r = self.nm.nmcli("connection", "up", "VPN connection 1")
        self.assertIn("successfully activated", r.stdout)
        self.server.wait_for("Crypto binding is valid")
        self.nm.nmcli("connection", "down", "VPN connection 1")

    def test_network_manager_sstp_profile_saved_unchanged(self):
        # The keys network-manager-sstp 1.3's editor writes, and one it does not know.
        connection_uuid = str(uuid.uuid4())
        self.nm.write_keyfile("legacy", f"""[connection]
id=legacy
uuid={connection_uuid}
type=vpn
autoconnect=false

[vpn]
ca-cert={os.path.join(pki(), 'root.pem')}
connection-type=password
gateway={SERVER_IP}
ignore-cert-warn=no
lcp-echo-failure=5
lcp-echo-interval=30
password-flags=1
refuse-chap=yes
refuse-eap=yes
refuse-mschap=yes
refuse-pap=yes
require-mppe=yes
tls-ext=yes
user=alice
x-kept=as it was
service-type=org.freedesktop.NetworkManager.sstp

[ipv4]
method=auto
""")
        before = vpn_data(self.nm, "legacy")
        self.assertIn("connection-type = password", before)
        editor = self.editor("--edit", connection_uuid)
        self.x.wait_for_window("Editing legacy", timeout=60)
        self.drive("save")
        editor.wait(timeout=30)
        self.assertEqual(vpn_data(self.nm, "legacy"), before)


def tearDownModule():
    cleanup_pki()


if __name__ == "__main__":
    unittest.main()
