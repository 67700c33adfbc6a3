#!/usr/bin/env python3
"""The graphical prompt of sstp-auth-dialog, run as nm-applet runs it:
standard mode (no --external-ui-mode), -i, DISPLAY set (a private Xvfb).
The test types into the window with xdotool and reads the protocol reply.

    python3 test_password_window.py PATH/TO/sstp-auth-dialog
"""
import os
import select
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from xdisplay import XDisplay, screenshot_dir  # noqa: E402

DIALOG = None
SERVICE = "org.freedesktop.NetworkManager.sstp"
TYPED = "Typed Pa55 w0rd"


def request(data, secrets=None):
    out = []
    for key, value in data.items():
        out.append(f"DATA_KEY={key}\nDATA_VAL={value}\n\n")
    for key, value in (secrets or {}).items():
        out.append(f"SECRET_KEY={key}\nSECRET_VAL={value}\n\n")
    out.append("DONE\n")
    return "".join(out)


def read_reply(stream, timeout=30):
    """Everything up to the empty line that ends the reply."""
    out = b""
    deadline = time.monotonic() + timeout
    while not out.endswith(b"\n\n\n") and time.monotonic() < deadline:
        ready, _, _ = select.select([stream], [], [], 0.5)
        if ready:
            chunk = os.read(stream.fileno(), 4096)
            if not chunk:
                break
            out += chunk
    return out.decode()


class PasswordWindowTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.x = XDisplay()

    @classmethod
    def tearDownClass(cls):
        cls.x.close()

    def start(self, data, secrets=None, name="Work VPN"):
        p = subprocess.Popen([DIALOG, "-u", "7e6f1b2a-0000-4000-8000-000000000001", "-n", name, "-s", SERVICE,
                              "-i"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             env=self.x.env())
        self.addCleanup(self.stop, p)
        p.stdin.write(request(data, secrets).encode())
        p.stdin.flush()
        return p

    @staticmethod
    def stop(p):
        if p.poll() is None:
            p.kill()
            p.wait()
        for f in (p.stdin, p.stdout, p.stderr):
            if not f.closed:
                f.close()

    def finish(self, p):
        p.stdin.write(b"QUIT\n")
        p.stdin.flush()
        p.stdin.close()
        self.assertEqual(p.wait(timeout=20), 0, p.stderr.read().decode())

    def test_typed_password_is_the_reply(self):
        p = self.start({"gateway": "vpn.example.com", "user": "alice", "password-flags": "2"})
        window = self.x.wait_for_window("Authenticate VPN Work VPN")
        self.x.screenshot(window, os.path.join(screenshot_dir(os.path.join(os.path.dirname(DIALOG), "screenshots")),
                                               "password-dialog.png"))
        self.x.xdotool("windowfocus", "--sync", window)
        self.x.xdotool("type", "--delay", "20", TYPED)
        self.x.xdotool("key", "Return")
        reply = read_reply(p.stdout)
        self.assertEqual(reply, f"password\n{TYPED}\n\n\n")
        self.finish(p)

    def test_password_and_proxy_password_in_one_window(self):
        p = self.start({"gateway": "vpn.example.com", "user": "alice", "proxy-user": "bob",
                        "proxy-server": "proxy.example.com"})
        window = self.x.wait_for_window("Authenticate VPN Work VPN")
        self.x.xdotool("windowfocus", "--sync", window)
        self.x.xdotool("type", "--delay", "20", "first")
        self.x.xdotool("key", "Tab")
        self.x.xdotool("type", "--delay", "20", "second")
        self.x.xdotool("key", "Return")
        self.assertEqual(read_reply(p.stdout), "password\nfirst\nproxy-password\nsecond\n\n\n")
        self.finish(p)

    def test_stored_password_is_not_asked_for(self):
        # Nothing needed: no window, the stored secret is the reply.
        p = self.start({"gateway": "vpn.example.com", "user": "alice"}, {"password": "stored"})
        self.assertEqual(read_reply(p.stdout), "password\nstored\n\n\n")
        self.finish(p)

    def test_cancel_prints_nothing_and_fails(self):
        p = self.start({"gateway": "vpn.example.com", "user": "alice"})
        window = self.x.wait_for_window("Authenticate VPN Work VPN")
        self.x.xdotool("windowfocus", "--sync", window)
        self.x.xdotool("key", "Escape")
        out, err = p.communicate(timeout=20)
        self.assertEqual(p.returncode, 1)
        self.assertEqual(out, b"")
        self.assertIn(b"cancelled", err)

    def test_unreachable_display_falls_back_to_the_terminal(self):
        # No X server on that display and no terminal: the terminal path runs and says so.
        env = self.x.env(DISPLAY=":65000")
        p = subprocess.run([DIALOG, "-u", "x", "-n", "Work VPN", "-s", SERVICE, "-i"],
                           input=request({"gateway": "vpn.example.com"}).encode(), capture_output=True,
                           env=env, start_new_session=True, timeout=20)
        self.assertEqual(p.returncode, 1)
        self.assertEqual(p.stdout, b"")
        self.assertIn(b"cannot ask: no terminal", p.stderr)


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: test_password_window.py PATH/TO/sstp-auth-dialog")
    DIALOG = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
