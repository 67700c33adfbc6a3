"""A private X display for the GUI tests: Xvfb on a free display number,
xdotool to find, focus and type into windows, ImageMagick's import for
screenshots. Used by tests/test_password_window.py and
Tests/e2e/test_nm_editor.py."""
import os
import shutil
import subprocess
import tempfile
import time


class XDisplay:
    def __init__(self, size="1024x768x24"):
        # GTK programs, dconf and the accessibility bus keep their files here,
        # not in the caller's home.
        self.home = tempfile.mkdtemp(prefix="sstp-xdisplay-")
        r, w = os.pipe()
        # -displayfd: Xvfb picks a free display and writes its number.
        self.proc = subprocess.Popen(["Xvfb", "-displayfd", str(w), "-screen", "0", size, "-nolisten", "tcp",
                                      "-noreset"], pass_fds=(w,), stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        os.close(w)
        number = b""
        deadline = time.monotonic() + 20
        with os.fdopen(r, "rb") as f:
            while not number.endswith(b"\n") and time.monotonic() < deadline:
                chunk = f.read(1)
                if not chunk:
                    break
                number += chunk
        if not number.strip():
            self.close()
            raise RuntimeError("Xvfb did not start")
        self.display = ":" + number.decode().strip()

    def env(self, base=None, **extra):
        env = dict(os.environ if base is None else base)
        env.pop("WAYLAND_DISPLAY", None)
        env["DISPLAY"] = self.display
        for name in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_RUNTIME_DIR"):
            env[name] = os.path.join(self.home, name.lower())
            os.makedirs(env[name], mode=0o700, exist_ok=True)
        env.update(extra)
        return env

    def xdotool(self, *argv, check=True, timeout=30):
        r = subprocess.run(["xdotool", *argv], env=self.env(), capture_output=True, text=True, timeout=timeout)
        if check and r.returncode != 0:
            raise AssertionError(f"xdotool {' '.join(argv)}: {r.stderr}")
        return r.stdout

    def wait_for_window(self, name, timeout=30):
        """The id of a mapped (viewable) window whose title matches name."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            ids = self.xdotool("search", "--onlyvisible", "--name", name, check=False).split()
            if ids:
                return ids[-1]
            time.sleep(0.2)
        raise AssertionError(f"no window named {name!r} was mapped on {self.display}")

    def screenshot(self, window, path):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        # Let GTK finish drawing.
        time.sleep(0.5)
        subprocess.run(["import", "-window", window, path], env=self.env(), check=True, timeout=30,
                       capture_output=True)

    def close(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.home, ignore_errors=True)


def screenshot_dir(default):
    """Where tests write screenshots: $SSTP_SCREENSHOT_DIR (docs/ to update
    the committed ones), else default (under the build directory)."""
    return os.environ.get("SSTP_SCREENSHOT_DIR") or default
