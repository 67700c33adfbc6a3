"""The man pages and completions `sstp-docgen` writes from the option table
render cleanly and list every option; the table agrees with the command
line's options and with nm-plugin's C key checks (issue 11, issue 13).

Needs the build (make build) and man-db (in APT_PACKAGES)."""
import json
import os
import shutil
import subprocess
import tempfile
import unittest

from harness import BUILD, ROOT, SSTP

DOCGEN = os.path.join(BUILD, "sstp-docgen")
PAGES = ["sstp.1", "sstp-service.8", "sstp.conf.5"]
COMPLETIONS = ["sstp.bash", "_sstp", "sstp.fish"]


def run(*args, **kw):
    return subprocess.run(args, capture_output=True, text=True, check=True, **kw)


def table():
    """The table's vpn.data rows: name -> (kind, min, max, choices)."""
    return rows(run(DOCGEN, "--vpn-data-keys").stdout)


def rows(text):
    out = {}
    for line in text.splitlines():
        name, kind, low, high, choices = line.split("\t")
        out[name] = (kind, int(low), int(high), choices)
    return out


class Docs(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="sstp-docs-")
        run(DOCGEN, "--out", cls.tmp, "--sstp", SSTP, "--readme", os.path.join(ROOT, "README.md"))

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def page(self, name):
        r = subprocess.run(["man", "--warnings", "-l", os.path.join(self.tmp, "man", name)],
                           capture_output=True, text=True, env={**os.environ, "MANWIDTH": "80"})
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout, r.stderr

    def test_every_page_renders_without_warnings(self):
        for name in PAGES:
            with self.subTest(page=name):
                text, warnings = self.page(name)
                self.assertEqual(warnings, "")
                self.assertIn("NAME", text)
                self.assertGreater(len(text.splitlines()), 20)

    def cli_options(self):
        dump = json.loads(run(SSTP, "connect", "--experimental-dump-help").stdout)
        names = set()
        for arg in dump["command"]["arguments"]:
            if arg.get("shouldDisplay", True):
                for n in arg.get("names", []):
                    if n["kind"] == "long":
                        names.add(n["name"])
        return names

    def test_every_option_is_in_the_pages(self):
        conf, _ = self.page("sstp.conf.5")
        cmd, _ = self.page("sstp.1")
        service, _ = self.page("sstp-service.8")
        with open(os.path.join(self.tmp, "man", "sstp.conf.5")) as f:
            conf_source = f.read()
        keys = [line.split("=")[0].strip() for line in run(DOCGEN, "--config-keys").stdout.splitlines()]
        self.assertIn("hello-interval", keys)
        for key in keys:
            with self.subTest(config_key=key):
                self.assertIn(key.replace("-", "\\-"), conf_source)
                self.assertIn(key, conf.replace("\u2010\n", "").replace("\u2010", "-"))
        for name in self.cli_options() - {"help"}:
            with self.subTest(option=name):
                self.assertIn("--" + name, cmd.replace("\u2010", "-"))
        # ArgumentParser's built-in --help and --version, on both commands.
        for page, text in (("sstp.1", cmd), ("sstp-service.8", service)):
            for flag in ("--help", "--version"):
                with self.subTest(page=page, builtin=flag):
                    self.assertIn(flag, text.replace("\u2010", "-"))
        for key in table():
            with self.subTest(vpn_data_key=key):
                self.assertIn(key, service)
        self.assertIn("EXIT STATUS", cmd)
        self.assertIn("64", cmd)

    def test_command_line_matches_the_table(self):
        # Every long option the command line shows is a table entry's, and
        # every table entry with a command-line name is on the command line.
        table_cli = set(run(DOCGEN, "--cli-options").stdout.split())
        # --help and --version are ArgumentParser's own, not table entries.
        self.assertEqual(self.cli_options() - {"help", "version"}, table_cli)

    def test_completions(self):
        for name in COMPLETIONS:
            with self.subTest(script=name):
                with open(os.path.join(self.tmp, "completion", name)) as f:
                    text = f.read()
                self.assertIn("hello-interval", text)
                if name == "sstp.bash":
                    # bash-completion sources it: no "#!" line (lintian).
                    self.assertFalse(text.startswith("#!"), text[:40])
        r = run("bash", "-c", f"source {os.path.join(self.tmp, 'completion', 'sstp.bash')} && complete -p sstp")
        self.assertIn("sstp", r.stdout)

    def test_nm_plugin_key_checks_agree_with_the_table(self):
        cc = shutil.which("cc")
        if cc is None:
            self.skipTest("no C compiler")
        plugin = os.path.join(ROOT, "nm-plugin")
        exe = os.path.join(self.tmp, "dump-keys")
        flags = run("pkg-config", "--cflags", "--libs", "glib-2.0").stdout.split()
        run(cc, "-std=gnu11", "-Wall", "-Wextra", "-Werror", "-o", exe, os.path.join(plugin, "tests", "dump-keys.c"),
            os.path.join(plugin, "sstp-keys.c"), *flags)
        c_rows = rows(run(exe).stdout)
        swift_rows = table()
        self.assertEqual(sorted(c_rows), sorted(swift_rows), "the same vpn.data keys")
        for name, spec in swift_rows.items():
            with self.subTest(key=name):
                self.assertEqual(c_rows[name], spec, "name, kind, min, max, choices")


if __name__ == "__main__":
    unittest.main()
