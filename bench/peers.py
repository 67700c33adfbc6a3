"""Peers: inside the User-Mode Linux guest of the pppd tests (Tests/e2e/uml.py),
our client (userspace backend, and the pppd backend when the binary accepts
--backend pppd) next to Debian's sstpc + pppd, against the same bundled
server on the host side of the guest's TAP, in the same run: iperf3 goodput
both ways, and CPU seconds per GB inside the guest (the client's processes,
and the whole guest's busy time, which also holds the kernel's PPP or TUN
work). Absolute numbers in UML are low; the ratios are what count.
"""
import json
import os
import re
import statistics
import subprocess
import time

from harness import PASSWORD, ROOT, SERVER, SSTP, USER, Process, pki
from uml import Guest

HOST_IP, GUEST_IP = "10.97.0.1", "10.97.0.2"
TUNNEL_SERVER_IP = "10.201.0.1"


def guest_cpu(g, pids):
    """utime+stime of `pids` and the guest's total busy time, in seconds."""
    script = "cat /proc/stat | head -1; " + "; ".join(f"cat /proc/{p}/stat 2>/dev/null" for p in pids)
    _, out = g.run(script, timeout=30)
    lines = out.strip().splitlines()
    total = [int(x) for x in lines[0].split()[1:]]
    busy = sum(total) - total[3] - total[4]  # minus idle and iowait
    procs = 0
    for line in lines[1:]:
        fields = line.rsplit(")", 1)[1].split()
        procs += int(fields[11]) + int(fields[12])
    return procs / 100.0, busy / 100.0


def guest_pids(g, name):
    _, out = g.run(f"pgrep -x {name} || true", timeout=30)
    return [int(x) for x in out.split()]


def iperf_in_guest(g, seconds, reverse):
    rc, out = g.run(f"exec iperf3 -c {TUNNEL_SERVER_IP} -t {seconds} -J --connect-timeout 10000"
                    + (" -R" if reverse else ""), timeout=seconds + 120, check=False, name="iperf")
    try:
        data = json.loads(out[out.index("{"):])
        return data["end"]["sum_received"]["bits_per_second"] / 1e6, data["end"]["sum_received"]["bytes"]
    except (ValueError, KeyError):
        raise RuntimeError(f"iperf3 in the guest failed ({rc}): {out[-1500:]}")


def pppd_backend_available():
    r = subprocess.run([SSTP, "connect", "--help"], capture_output=True, text=True)
    return "--backend" in (r.stdout + r.stderr)


def run_peers(bench):
    seconds = int(max(1, round(float(os.environ.get("BENCH_PEER_SECONDS", "5")))))
    repeat = int(os.environ.get("BENCH_PEER_REPEAT", "3"))
    d = pki()
    out = {"rows": []}
    guest = Guest("bench", host_ip=HOST_IP, guest_ip=GUEST_IP,
                  binds={"/etc/hosts": f"127.0.0.1 localhost\n{HOST_IP} sstp.test\n"}, mem="512M")
    processes = []
    try:
        guest.boot()
        out["guest_boot_s"] = guest.boot_seconds
        g = guest
        users = g.write_file("users", f"{USER}:{PASSWORD}\n", 0o600)
        ca = g.copy_in(os.path.join(d, "root.pem"))
        password_file = g.write_file("password", PASSWORD + "\n", 0o600)
        server = Process(g.host_exec(SERVER, "--listen", f"{HOST_IP}:443", "--cert",
                                     os.path.join(d, "sstp-chain.pem"), "--key", os.path.join(d, "leaf.key"),
                                     "--users", users, "--local", TUNNEL_SERVER_IP,
                                     "--pool", "10.201.0.10-10.201.0.20", "--methods", "mschapv2"), "peer-server")
        processes.append(server)
        server.wait_for("listening on")
        iperf_server = Process(g.host_exec("iperf3", "-s", "-B", TUNNEL_SERVER_IP), "peer-iperf3")
        processes.append(iperf_server)

        ours = (f"exec {SSTP} connect {HOST_IP} --user {USER} --password-file {password_file}"
                f" --ca-cert {ca} --server-name sstp.test")
        variants = [("sstp (userspace)", ours, "sstp", [])]
        if pppd_backend_available():
            plugin = os.path.join(ROOT, "nm-plugin", "pppd", "build", "sstp-pppd-bridge.so")
            variants.append(("sstp --backend pppd", ours + f" --backend pppd --pppd-plugin {plugin}", "sstp", ["pppd"]))
        else:
            out["rows"].append({"name": "sstp --backend pppd", "available": False,
                                "reason": "this sstp binary does not accept --backend pppd"})
        pppd_log = g.path("sstpc-pppd.log")
        variants.append(("sstpc + pppd", f"exec sstpc --log-stderr --log-level 1 --ca-cert {ca} --user {USER}"
                         f" --password '{PASSWORD}' sstp.test -- noauth refuse-eap refuse-pap refuse-chap"
                         f" refuse-mschap nodefaultroute logfile {pppd_log}", "sstpc", ["pppd"]))
        for name, script, main, helpers in variants:
            sstpc = main == "sstpc"
            if sstpc:
                # sstpc 1.0.18 can exit right after connecting when the server
                # finishes the TLS handshake before it waits (test_interop.py):
                # 5 ms of delay while it connects, removed before measuring.
                g.run("tc qdisc add dev vec0 root netem delay 5ms", timeout=30)
            client = g.spawn(script, "peer")
            row = {"name": name, "available": True}
            try:
                if sstpc:
                    deadline = time.monotonic() + 60
                    while "local  IP address" not in _read(pppd_log):
                        if client.returncode is not None or time.monotonic() > deadline:
                            raise RuntimeError(f"sstpc did not connect: {client.output()[-1500:]}"
                                               f" {_read(pppd_log)[-1500:]}")
                        time.sleep(0.1)
                    g.run("tc qdisc del dev vec0 root", timeout=30)
                    time.sleep(1)
                else:
                    client.wait_for("connected:", timeout=60)
                pids = [client.pgid()] + [p for h in helpers for p in guest_pids(g, h)]
                up, down, cpu_procs, cpu_guest = [], [], [], []
                for _ in range(repeat):
                    for reverse in (False, True):
                        p0, b0 = guest_cpu(g, pids)
                        mbps, moved = iperf_in_guest(g, seconds, reverse)
                        p1, b1 = guest_cpu(g, pids)
                        (down if reverse else up).append(mbps)
                        cpu_procs.append((p1 - p0) / (moved / 1e9))
                        cpu_guest.append((b1 - b0) / (moved / 1e9))
                row.update({"up_mbps": statistics.median(up), "down_mbps": statistics.median(down),
                            "up_runs": up, "down_runs": down,
                            "cpu_s_per_gb": statistics.median(cpu_procs),
                            "guest_cpu_s_per_gb": statistics.median(cpu_guest), "pids": len(pids)})
                bench_log(f"  peers {name}: up {row['up_mbps']:.0f} Mbit/s, down {row['down_mbps']:.0f} Mbit/s,"
                          f" {row['cpu_s_per_gb']:.1f} CPU s/GB (guest {row['guest_cpu_s_per_gb']:.1f})")
            except Exception as e:
                row.update({"available": False, "reason": f"failed: {e}"[:600]})
                bench_log(f"  peers {name}: {row['reason']}")
            finally:
                client.stop()
                if sstpc:
                    g.run("tc qdisc del dev vec0 root 2>/dev/null || true", timeout=30, check=False)
            out["rows"].append(row)
        rows = {r["name"]: r for r in out["rows"] if r.get("available")}
        ours_row, theirs = rows.get("sstp (userspace)"), rows.get("sstpc + pppd")
        if ours_row and theirs:
            out["ours_over_sstpc"] = {
                "up": ours_row["up_mbps"] / theirs["up_mbps"], "down": ours_row["down_mbps"] / theirs["down_mbps"],
                "cpu_s_per_gb": ours_row["cpu_s_per_gb"] / theirs["cpu_s_per_gb"],
                "guest_cpu_s_per_gb": ours_row["guest_cpu_s_per_gb"] / theirs["guest_cpu_s_per_gb"]}
        if "sstp --backend pppd" in rows and theirs:
            r = rows["sstp --backend pppd"]
            out["pppd_backend_over_sstpc"] = {
                "up": r["up_mbps"] / theirs["up_mbps"], "down": r["down_mbps"] / theirs["down_mbps"],
                "cpu_s_per_gb": r["cpu_s_per_gb"] / theirs["cpu_s_per_gb"]}
    finally:
        for p in processes:
            p.close()
        guest.shutdown()
    return out


def _read(path):
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except FileNotFoundError:
        return ""


def bench_log(text):
    import sys
    print(text, file=sys.stderr, flush=True)
