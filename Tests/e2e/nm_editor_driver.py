"""Drives nm-connection-editor's window through AT-SPI (pyatspi). Run by
test_nm_editor.py with Debian's /usr/bin/python3, which has python3-pyatspi:

    nm_editor_driver.py fill SHOTS_DIR GATEWAY USER PASSWORD CA_FILE
        fills the main page, the CA file in the Advanced dialog (with a
        screenshot of each), and saves
    nm_editor_driver.py save
        saves the connection as it was opened

Accessible names are the label texts without the mnemonic underscore
(sstp-editor.c sets them). Prints "saved" when Save was pressed."""
import subprocess
import sys
import time

import pyatspi

TIMEOUT = 30


def showing(acc):
    try:
        return acc.getState().contains(pyatspi.STATE_SHOWING)
    except Exception:
        return False


def find_all(root, pred, depth=0):
    out = []
    if depth > 40:
        return out
    try:
        if pred(root):
            out.append(root)
        children = list(root)
    except Exception:
        return out
    for child in children:
        if child is not None:
            out.extend(find_all(child, pred, depth + 1))
    return out


def wait_for(what, fn):
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        found = fn()
        if found:
            return found
        time.sleep(0.3)
    sys.exit(f"driver: timed out waiting for {what}")


def editor_app():
    def look():
        for app in pyatspi.Registry.getDesktop(0):
            if app is not None and app.name == "nm-connection-editor":
                return app
        return None
    return wait_for("nm-connection-editor on the accessibility bus", look)


def window(app, prefix):
    return wait_for(f"a window named {prefix}…", lambda: next(
        (w for w in app if w is not None and (w.name or "").startswith(prefix) and showing(w)), None))


def widget(root, role, name):
    def look():
        hits = find_all(root, lambda a: a.getRoleName() == role and a.name == name and showing(a))
        return hits[0] if hits else None
    return wait_for(f"{role} {name!r}", look)


def set_text(root, name, value, role="text"):
    entry = widget(root, role, name)
    entry.queryEditableText().setTextContents(value)
    got = entry.queryText().getText(0, -1)
    if role == "text" and got != value:
        sys.exit(f"driver: {name} holds {got!r}, not {value!r}")


def press(root, name):
    button = widget(root, "push button", name)
    wait_for(f"{name} to be sensitive", lambda: button.getState().contains(pyatspi.STATE_SENSITIVE))
    button.queryAction().doAction(0)


def screenshot(title, path):
    ids = subprocess.run(["xdotool", "search", "--onlyvisible", "--name", title], capture_output=True,
                         text=True).stdout.split()
    if not ids:
        sys.exit(f"driver: no mapped window {title!r} to take a picture of")
    time.sleep(0.7)  # let GTK draw
    subprocess.run(["import", "-window", ids[-1], path], check=True)


def main():
    app = editor_app()
    win = window(app, "Editing ")
    if sys.argv[1] == "fill":
        shots, gateway, user, password, ca = sys.argv[2:7]
        press_tab = find_all(win, lambda a: a.getRoleName() == "page tab" and a.name == "VPN")
        if press_tab:
            press_tab[0].parent.querySelection().selectChild(press_tab[0].getIndexInParent())
        set_text(win, "Gateway", gateway)
        set_text(win, "User name", user)
        set_text(win, "Password", password, role="password text")
        screenshot(win.name, f"{shots}/editor-main.png")
        press(win, "Advanced…")
        adv = window(app, "SSTP Advanced Options")
        set_text(adv, "CA certificate", ca)
        screenshot("SSTP Advanced Options", f"{shots}/editor-advanced.png")
        press(adv, "Apply")
        wait_for("the Advanced dialog to close", lambda: not showing(adv))
    press(win, "Save")
    print("saved", flush=True)


if __name__ == "__main__":
    main()
