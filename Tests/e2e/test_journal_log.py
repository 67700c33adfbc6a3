"""Log lines journald understands (issue 11): when standard error is the
journal (JOURNAL_STREAM names its device and inode) every line starts with
its syslog priority, sd-daemon(3) style, so `journalctl -p err` finds the
failures; otherwise lines carry no priority."""
import os
import re
import subprocess
import tempfile
import unittest

from harness import BUILD

SSTP = os.path.join(BUILD, "sstp")
SERVICE = os.path.join(BUILD, "sstp-service")


class JournalLogTests(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="sstp-journal-")
        self.password = os.path.join(self.tmp, "password")
        fd = os.open(self.password, os.O_WRONLY | os.O_CREAT, 0o600)
        os.write(fd, b"secret\n")
        os.close(fd)

    def tearDown(self):
        for name in os.listdir(self.tmp):
            os.unlink(os.path.join(self.tmp, name))
        os.rmdir(self.tmp)

    def stderr_of(self, argv, journal, env=None):
        """Runs argv with standard error in a file; with journal=True,
        JOURNAL_STREAM names that file, as systemd does for the journal."""
        path = os.path.join(self.tmp, "stderr")
        with open(path, "w") as err:
            st = os.fstat(err.fileno())
            e = dict(os.environ if env is None else env)
            e.pop("JOURNAL_STREAM", None)
            if journal is True:
                e["JOURNAL_STREAM"] = f"{st.st_dev}:{st.st_ino}"
            elif journal:
                e["JOURNAL_STREAM"] = journal
            r = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=err, env=e, timeout=60)
        with open(path) as f:
            return r.returncode, f.read()

    def connect_refused(self, journal):
        # Port 1 on loopback: refused at once, a network failure (exit 5).
        return self.stderr_of([SSTP, "connect", "127.0.0.1:1", "--user", "u", "--password-file", self.password],
                              journal)

    def test_client_lines_carry_priorities_in_the_journal(self):
        code, err = self.connect_refused(journal=True)
        self.assertEqual(code, 5, err)
        lines = err.splitlines()
        self.assertTrue(lines, err)
        for line in lines:
            self.assertRegex(line, r"^<[0-7]>", err)
        self.assertTrue(any(re.match(r"<3>error: cannot connect to 127\.0\.0\.1:1", l) for l in lines), err)
        self.assertTrue(any(l.startswith("<6>[") for l in lines), err)

    def test_no_priorities_outside_the_journal(self):
        for journal in (False, "0:0", "not-a-stream"):
            code, err = self.connect_refused(journal)
            self.assertEqual(code, 5, err)
            self.assertIn("error: cannot connect to 127.0.0.1:1", err)
            self.assertNotRegex(err, r"(?m)^<\d>", f"JOURNAL_STREAM={journal}: {err}")

    def test_service_failure_is_an_error_in_the_journal(self):
        env = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=f"unix:path={self.tmp}/no-bus")
        code, err = self.stderr_of([SERVICE, "--standalone"], True, env)
        self.assertNotEqual(code, 0)
        self.assertRegex(err, r"(?m)^<3>cannot connect to the system bus", err)
        code, err = self.stderr_of([SERVICE, "--standalone"], False, env)
        self.assertRegex(err, r"(?m)^sstp-service\[\d+\]: cannot connect to the system bus", err)


if __name__ == "__main__":
    unittest.main()
