#!/usr/bin/env python3
"""Protocol tests of sstp-auth-dialog, driven over stdin/stdout as
NetworkManager's secret agents drive it.

    python3 test_auth_dialog.py PATH/TO/sstp-auth-dialog
"""
import fcntl
import os
import select
import subprocess
import sys
import termios
import time
import unittest

DIALOG = None
SERVICE = "org.freedesktop.NetworkManager.sstp"

# These are the terminal and external-UI modes: without a display, so that
# standard mode never opens its window (tests/test_password_window.py).
os.environ.pop("DISPLAY", None)
os.environ.pop("WAYLAND_DISPLAY", None)


def request(data, secrets=None, end="DONE\nQUIT\n"):
    """The agent's input, as nmcli writes it."""
    out = []
    for key, value in data.items():
        out.append("DATA_KEY=%s\n" % key)
        out.append("DATA_VAL=%s\n\n" % "\n=".join(value.split("\n")))
    for key, value in (secrets or {}).items():
        out.append("SECRET_KEY=%s\n" % key)
        out.append("SECRET_VAL=%s\n\n" % "\n=".join(value.split("\n")))
    out.append(end)
    return "".join(out)


def args(*extra, name="Work VPN"):
    return [DIALOG, "-u", "7e6f1b2a-0000-4000-8000-000000000001", "-n", name, "-s", SERVICE,
            *extra]


def run(argv, stdin, timeout=10, **kw):
    return subprocess.run(argv, input=stdin, capture_output=True, text=True, timeout=timeout,
                          **kw)


def unescape(value):
    out, i = [], 0
    table = {"s": " ", "n": "\n", "t": "\t", "r": "\r", "\\": "\\"}
    while i < len(value):
        if value[i] == "\\" and i + 1 < len(value):
            out.append(table[value[i + 1]])
            i += 2
        else:
            out.append(value[i])
            i += 1
    return "".join(out)


def parse_keyfile(text):
    """[(group, {key: value})] in file order, as GKeyFile reads it."""
    groups = []
    for line in text.split("\n"):
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            assert line.endswith("]"), line
            groups.append((line[1:-1], {}))
            continue
        key, sep, value = line.partition("=")
        assert sep and groups, "bad keyfile line %r" % line
        groups[-1][1][key] = unescape(value)
    return groups


PASSWORD = {"gateway": "vpn.example.com", "connection-type": "password", "user": "alice"}


class ExternalUI(unittest.TestCase):
    def ui(self, data, secrets=None, *extra):
        r = run(args("--external-ui-mode", *extra), request(data, secrets))
        self.assertEqual(r.returncode, 0, r.stderr)
        groups = parse_keyfile(r.stdout)
        self.assertEqual(groups[0][0], "VPN Plugin UI")
        header = groups[0][1]
        self.assertEqual(header["Version"], "2")
        self.assertTrue(header["Title"])
        self.assertTrue(header["Description"])
        return header, dict(groups[1:]), r

    def test_asks_for_password_with_interaction(self):
        header, groups, _ = self.ui(PASSWORD, None, "-i")
        self.assertIn("Work VPN", header["Description"])
        self.assertEqual(list(groups), ["password"])
        self.assertEqual(groups["password"],
                         {"Value": "", "Label": "Password", "IsSecret": "true",
                          "ShouldAsk": "true"})

    def test_no_interaction_means_should_ask_false(self):
        _, groups, _ = self.ui(PASSWORD)
        self.assertEqual(groups["password"]["ShouldAsk"], "false")

    def test_stored_secret_is_not_asked_again(self):
        data = dict(PASSWORD, **{"password-flags": "1"})
        _, groups, _ = self.ui(data, {"password": "S3cret"}, "-i")
        self.assertEqual(groups["password"]["Value"], "S3cret")
        self.assertEqual(groups["password"]["ShouldAsk"], "false")

    def test_reprompt_asks_even_when_stored(self):
        data = dict(PASSWORD, **{"password-flags": "1"})
        _, groups, _ = self.ui(data, {"password": "S3cret"}, "-i", "-r")
        self.assertEqual(groups["password"]["ShouldAsk"], "true")

    def test_not_saved_flag_always_asks(self):
        data = dict(PASSWORD, **{"password-flags": "2"})
        _, groups, _ = self.ui(data, {"password": "old"}, "-i")
        self.assertEqual(groups["password"]["ShouldAsk"], "true")

    def test_not_required_flag_never_asks(self):
        data = dict(PASSWORD, **{"password-flags": "4"})
        _, groups, _ = self.ui(data, None, "-i")
        self.assertEqual(groups, {})

    def test_proxy_password_when_proxy_user_set(self):
        data = dict(PASSWORD, **{"proxy-server": "proxy", "proxy-port": "3128",
                                 "proxy-user": "bob"})
        _, groups, _ = self.ui(data, {"password": "S3cret"}, "-i")
        self.assertEqual(groups["password"]["ShouldAsk"], "false")
        self.assertEqual(groups["proxy-password"]["Label"], "Proxy password")
        self.assertEqual(groups["proxy-password"]["ShouldAsk"], "true")

    def test_proxy_password_flags(self):
        data = dict(PASSWORD, **{"proxy-user": "bob", "proxy-password-flags": "4"})
        _, groups, _ = self.ui(data, None, "-i")
        self.assertEqual(list(groups), ["password"])

    def test_no_proxy_password_without_proxy_user(self):
        data = dict(PASSWORD, **{"proxy-server": "proxy"})
        _, groups, _ = self.ui(data, None, "-i")
        self.assertNotIn("proxy-password", groups)

    def test_tls_asks_for_key_password(self):
        data = {"gateway": "g", "connection-type": "tls", "tls-user-key": "/k.pem"}
        _, groups, _ = self.ui(data, None, "-i")
        self.assertEqual(list(groups), ["tls-user-key-secret"])
        self.assertEqual(groups["tls-user-key-secret"]["ShouldAsk"], "true")

    def test_hints_choose_secrets_and_message(self):
        data = dict(PASSWORD, **{"password-flags": "1", "proxy-user": "bob"})
        header, groups, _ = self.ui(data, {"password": "S3cret"}, "-i", "-t", "password",
                                    "-t", "x-vpn-message:The server wants a new login")
        self.assertEqual(header["Description"], "The server wants a new login")
        self.assertEqual(list(groups), ["password"])
        self.assertEqual(groups["password"]["ShouldAsk"], "true")

    def test_hint_for_proxy_only(self):
        _, groups, _ = self.ui(PASSWORD, {"password": "S3cret"}, "-i", "-t", "proxy-password")
        self.assertEqual(list(groups), ["proxy-password"])

    def test_message_hint_alone_keeps_normal_rules(self):
        header, groups, _ = self.ui(PASSWORD, None, "-i", "-t", "x-vpn-message:hello")
        self.assertEqual(header["Description"], "hello")
        self.assertEqual(groups["password"]["ShouldAsk"], "true")

    def test_values_are_escaped(self):
        data = dict(PASSWORD, **{"password-flags": "1"})
        secret = " two\nlines \\ and ; # = [x]"
        _, groups, _ = self.ui(data, {"password": secret}, "-i")
        self.assertEqual(groups["password"]["Value"], secret)

    def test_name_with_newline_stays_in_one_line(self):
        r = run(args("--external-ui-mode", "-i", name="Evil\n[password]\nShouldAsk=false"),
                request(PASSWORD))
        self.assertEqual(r.returncode, 0, r.stderr)
        groups = parse_keyfile(r.stdout)
        self.assertEqual([g for g, _ in groups], ["VPN Plugin UI", "password"])
        self.assertEqual(groups[1][1]["ShouldAsk"], "true")

    def test_bad_flags_are_reported_and_ignored(self):
        data = dict(PASSWORD, **{"password-flags": "lots"})
        _, groups, r = self.ui(data, None, "-i")
        self.assertIn("password-flags", r.stderr)
        self.assertEqual(groups["password"]["ShouldAsk"], "true")

    def test_exits_without_waiting_for_quit(self):
        p = subprocess.Popen(args("--external-ui-mode", "-i"), stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        p.stdin.write(request(PASSWORD, end="DONE\n"))
        p.stdin.flush()
        try:
            p.wait(timeout=5)
        finally:
            p.stdin.close()
            p.stdout.close()
            p.stderr.close()
        self.assertEqual(p.returncode, 0)


class Standard(unittest.TestCase):
    def test_prints_stored_secret_and_waits_for_quit(self):
        data = dict(PASSWORD, **{"password-flags": "1"})
        p = subprocess.Popen(args(), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        p.stdin.write(request(data, {"password": "S3cret"}, end="DONE\n"))
        p.stdin.flush()
        out = ""
        deadline = time.time() + 5
        while not out.endswith("\n\n\n") and time.time() < deadline:
            ready, _, _ = select.select([p.stdout], [], [], 0.5)
            if ready:
                out += os.read(p.stdout.fileno(), 4096).decode()
        self.assertEqual(out, "password\nS3cret\n\n\n")
        time.sleep(1)
        self.assertIsNone(p.poll(), "must wait for QUIT")
        p.stdin.write("QUIT\n")
        p.stdin.flush()
        self.assertEqual(p.wait(timeout=5), 0)
        for f in (p.stdin, p.stdout, p.stderr):
            f.close()

    def test_nothing_needed_prints_no_secret(self):
        data = dict(PASSWORD, **{"password-flags": "4"})
        r = run(args(), request(data))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, "no-secret\ntrue\n\n\n")

    def test_all_stored_secrets_are_returned(self):
        data = dict(PASSWORD, **{"proxy-user": "bob", "password-flags": "1",
                                 "proxy-password-flags": "1"})
        r = run(args(), request(data, {"password": "A", "proxy-password": "B"}))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, "password\nA\nproxy-password\nB\n\n\n")

    def test_needed_without_interaction_fails_clearly(self):
        r = run(args(), request(PASSWORD))
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stdout, "")
        self.assertIn("asking is not allowed", r.stderr)

    def test_interaction_without_terminal_fails_clearly(self):
        r = run(args("-i"), request(PASSWORD), start_new_session=True)
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stdout, "")
        self.assertIn("no terminal", r.stderr)

    def on_terminal(self, typed):
        """Runs the dialog with a pty as its terminal and types a line."""
        master, slave = os.openpty()

        def controlling_tty():
            os.setsid()
            fcntl.ioctl(slave, termios.TIOCSCTTY, 0)

        data = dict(PASSWORD, **{"password-flags": "2"})
        p = subprocess.Popen(args("-i"), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, preexec_fn=controlling_tty, pass_fds=(slave,))
        os.close(slave)
        p.stdin.write(request(data, {"password": "old"}).encode())
        p.stdin.flush()
        screen = b""
        deadline = time.time() + 5
        while b"Password: " not in screen and time.time() < deadline:
            ready, _, _ = select.select([master], [], [], 0.5)
            if ready:
                screen += os.read(master, 4096)
        self.assertIn(b"Work VPN", screen)
        os.write(master, typed)
        out, err = p.communicate(timeout=10)
        while True:
            ready, _, _ = select.select([master], [], [], 0.2)
            if not ready:
                break
            try:
                chunk = os.read(master, 4096)
            except OSError:
                break
            if not chunk:
                break
            screen += chunk
        os.close(master)
        return p.returncode, out.decode(), err.decode(), screen

    def test_asks_on_the_terminal_with_echo_off(self):
        status, out, err, screen = self.on_terminal(b"typed pass\n")
        self.assertEqual(status, 0, err)
        self.assertEqual(out, "password\ntyped pass\n\n\n")
        self.assertNotIn(b"typed pass", screen, "the terminal must not echo the password")

    def test_empty_answer_cancels(self):
        status, out, err, _ = self.on_terminal(b"\n")
        self.assertEqual(status, 1)
        self.assertEqual(out, "")
        self.assertIn("no Password given", err)


class Usage(unittest.TestCase):
    def test_required_options(self):
        r = run([DIALOG, "-u", "x", "-n", "y"], request(PASSWORD))
        self.assertEqual(r.returncode, 1)
        self.assertIn("required", r.stderr)

    def test_wrong_service(self):
        r = run([DIALOG, "-u", "x", "-n", "y", "-s", "org.freedesktop.NetworkManager.openvpn"],
                request(PASSWORD))
        self.assertEqual(r.returncode, 1)
        self.assertIn(SERVICE, r.stderr)

    def test_unknown_option(self):
        r = run(args("--bogus"), request(PASSWORD))
        self.assertEqual(r.returncode, 1)
        self.assertIn("bogus", r.stderr)

    def test_input_without_done(self):
        r = run(args("--external-ui-mode"), request(PASSWORD, {"password": "S3cret"}, end=""))
        self.assertEqual(r.returncode, 1)
        self.assertIn("before DONE", r.stderr)
        self.assertNotIn("S3cret", r.stderr)

    def test_garbage_input(self):
        r = run(args("--external-ui-mode"), "password=S3cret\nDONE\n")
        self.assertEqual(r.returncode, 1)
        self.assertIn("not part of the DATA/SECRET protocol", r.stderr)
        self.assertNotIn("S3cret", r.stderr)

    def test_multiline_values(self):
        data = dict(PASSWORD, **{"password-flags": "1"})
        r = run(args(), request(data, {"password": "line1\nline2"}))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, "password\nline1\nline2\n\n\n")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: test_auth_dialog.py PATH/TO/sstp-auth-dialog")
    DIALOG = os.path.abspath(sys.argv.pop(1))
    suite = unittest.defaultTestLoader.loadTestsFromModule(sys.modules[__name__])
    result = unittest.TextTestRunner(verbosity=2).run(suite)
    bad = len(result.failures) + len(result.errors)
    print("auth-dialog: %d passed, %d failed" % (result.testsRun - bad, bad))
    sys.exit(1 if bad else 0)
