#!/usr/bin/python3
"""`make bench`: the tunnel against the physical limit, side by side in one
run. Prints one table and writes the same figures as JSON to
bench/results/<date>.json (keys in bench/README.md).

Everything runs in network namespaces (and a User-Mode Linux guest) that
this script makes and removes; processes are killed by PID. Knobs are
environment variables (BENCH_*), listed in bench/README.md.
"""
import datetime
import json
import os
import platform
import re
import shlex
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import time
import traceback

BENCH = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH)
os.environ.setdefault("SSTP_BUILD_DIR", os.path.join(ROOT, ".build", "release"))
sys.path.insert(0, os.path.join(ROOT, "Tests", "e2e"))

import harness  # noqa: E402
import pingtrace  # noqa: E402
from harness import CLIENT_IP, PASSWORD, SERVER_IP, TUNNEL_SERVER_IP, USER, Namespaces, Process, pki  # noqa: E402

BUILD = os.environ["SSTP_BUILD_DIR"]
SSTP, SERVER, SERVICE = (os.path.join(BUILD, n) for n in ("sstp", "sstp-test-server", "sstp-service"))
TOOLS = os.environ.get("BENCH_TOOLS", os.path.join(ROOT, ".build", "bench"))
BENCHTOOL = os.path.join(TOOLS, "benchtool")
MALLOCCOUNT = os.path.join(TOOLS, "malloccount.so")
PY = "/usr/bin/python3"


def env_int(name, default):
    return int(os.environ.get(name, str(default)))


def env_float(name, default):
    return float(os.environ.get(name, str(default)))


QUICK = os.environ.get("BENCH_QUICK") == "1"
# Extra arguments for every client and server this run starts (bench/ab.py
# sets them for one side only: BENCH_AB_NEW_CLIENT_ARGS, ..._SERVER_ARGS).
CLIENT_ARGS = shlex.split(os.environ.get("BENCH_CLIENT_ARGS", ""))
SERVER_ARGS = shlex.split(os.environ.get("BENCH_SERVER_ARGS", ""))
REPEAT = env_int("BENCH_REPEAT", 2 if QUICK else 5)
SECONDS = env_float("BENCH_SECONDS", 2 if QUICK else 4)
PINGS = env_int("BENCH_PINGS", 200 if QUICK else 1000)
CONNECTS = env_int("BENCH_CONNECTS", 5 if QUICK else 20)
SCALE_CLIENTS = env_int("BENCH_SCALE_CLIENTS", 20 if QUICK else 100)
SCALE_SECONDS = env_float("BENCH_SCALE_SECONDS", 3 if QUICK else 8)
PEER_SECONDS = env_float("BENCH_PEER_SECONDS", 3 if QUICK else 5)
PEER_REPEAT = env_int("BENCH_PEER_REPEAT", 1 if QUICK else 3)
ALL_SECTIONS = ["throughput", "dataplane", "latency", "connect", "cost", "scale", "peers", "shaped", "rivals"]
# The latency section's loaded rows: the inner flow's congestion controls
# (iperf3 -C; the first also paced to LATENCY_RATE_MBPS, 0: no paced row).
LATENCY_CCS = [c for c in os.environ.get("BENCH_LATENCY_CC", "cubic,bbr").split(",") if c]
LATENCY_RATE_MBPS = env_int("BENCH_LATENCY_RATE", 1000)
SECTIONS = [s for s in os.environ.get("BENCH_SECTIONS", ",".join(ALL_SECTIONS)).split(",") if s]
POOL = "10.201.0.10-10.201.0.250"
RELAY_PORT = 4443
IPERF_PORT, RELAY_IPERF_PORT = 5201, 5202


# -- small helpers -----------------------------------------------------------

def log(text):
    print(text, file=sys.stderr, flush=True)


def run(*argv, check=True, timeout=120):
    return subprocess.run(argv, check=check, capture_output=True, text=True, timeout=timeout)


def summary(values, unit=None):
    """median and spread (min, max, quartiles) of repeated measurements."""
    values = [v for v in values if v is not None]
    if not values:
        return None
    s = sorted(values)
    q = statistics.quantiles(s, n=4) if len(s) >= 2 else [s[0], s[0], s[0]]
    out = {"median": statistics.median(s), "min": s[0], "max": s[-1], "p25": q[0], "p75": q[2], "n": len(s),
           "runs": [round(v, 6) for v in values]}
    if unit:
        out["unit"] = unit
    return out


def percentile(values, p):
    s = sorted(values)
    if not s:
        return None
    k = (len(s) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def inner_congestion(ns):
    """The congestion control of the client namespace's busiest iperf3
    connection (ss -ti: the data stream, not iperf3's control connection)."""
    out = run("ip", "netns", "exec", ns.client, "ss", "-tin", "dst", f"{TUNNEL_SERVER_IP}:{IPERF_PORT}",
              check=False).stdout
    best = (-1, None)
    for m in re.finditer(r"\b(cubic|bbr|reno)\b.*?bytes_acked:(\d+)", out):
        best = max(best, (int(m.group(2)), m.group(1)))
    return best[1]


def iperf3_interval_gbps(report):
    """The mean goodput of an iperf3 -J client's intervals after the first
    second (the run was stopped early, so there is no end summary)."""
    try:
        intervals = json.loads(report)["intervals"]
        rates = [i["sum"]["bits_per_second"] for i in intervals if i["sum"]["start"] >= 1]
    except (ValueError, KeyError, TypeError):
        return None
    return statistics.mean(rates) / 1e9 if rates else None


def proc_cpu(pid):
    """utime + stime of a process, in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


def proc_status(pid, key):
    """A kB field of /proc/PID/status (VmRSS, VmHWM), in MB."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    return None


def link_stats(ns, dev):
    out = run("ip", "-n", ns, "-s", "-j", "link", "show", dev).stdout
    s = json.loads(out)[0]["stats64"]
    return {"rx_bytes": s["rx"]["bytes"], "rx_packets": s["rx"]["packets"],
            "tx_bytes": s["tx"]["bytes"], "tx_packets": s["tx"]["packets"]}


def malloc_counts(pid):
    try:
        with open(f"/dev/shm/malloccount.{pid}", "rb") as f:
            return struct.unpack("=4Q", f.read(32))
    except FileNotFoundError:
        return None


def version(argv, pattern=None):
    try:
        out = run(*argv, check=False).stdout + run(*argv, check=False).stderr
    except OSError:
        return None
    line = out.strip().splitlines()[0] if out.strip() else None
    if pattern and line:
        m = re.search(pattern, out)
        return m.group(0) if m else line
    return line


class Bench:
    def __init__(self):
        self.tmp = tempfile.mkdtemp(prefix="sstp-bench-")
        self.processes = []
        self.results = {}
        self.errors = {}
        self.users = os.path.join(self.tmp, "users")
        with open(self.users, "w") as f:
            f.write(f"{USER}:{PASSWORD}\n")
            for i in range(400):
                f.write(f"user{i}:{PASSWORD}\n")
        self.password_file = os.path.join(self.tmp, "password")
        fd = os.open(self.password_file, os.O_WRONLY | os.O_CREAT, 0o600)
        os.write(fd, (PASSWORD + "\n").encode())
        os.close(fd)
        self.ns = None

    # -- processes -----------------------------------------------------------

    def spawn(self, argv, name, env=None, stdin=False):
        if env:
            argv = ["env", *[f"{k}={v}" for k, v in env.items()], *argv]
        p = Process(argv, name)
        self.processes.append(p)
        return p

    def close(self, p):
        if p is None:
            return
        p.close()
        if p in self.processes:
            self.processes.remove(p)

    def close_all(self):
        for p in list(self.processes):
            self.close(p)

    def pid_of(self, p, binary):
        """The PID of `binary` started through `ip netns exec` (which execs
        in place) or through env (which execs too)."""
        return p.proc.pid

    def start_server(self, ns, extra=(), env=None, listen=f"{SERVER_IP}:443"):
        d = pki()
        argv = ns.exec(ns.server, SERVER, "--listen", listen, "--cert", os.path.join(d, "sstp-chain.pem"),
                       "--key", os.path.join(d, "leaf.key"), "--users", self.users, "--local", TUNNEL_SERVER_IP,
                       "--pool", POOL, *SERVER_ARGS, *extra)
        p = self.spawn(argv, "server", env=env)
        p.wait_for("listening on")
        return p

    def client_argv(self, server=SERVER_IP, user=USER, extra=()):
        return [SSTP, "connect", server, "--user", user, "--password-file", self.password_file,
                "--ca-cert", os.path.join(pki(), "root.pem"), "--server-name", "sstp.test", *CLIENT_ARGS, *extra]

    def start_client(self, ns, server=SERVER_IP, env=None, extra=()):
        p = self.spawn(ns.exec(ns.client, *self.client_argv(server, extra=extra)), "client", env=env)
        out = p.wait_for("connected:", timeout=30)
        m = re.search(r"connected: (\S+),", out)
        cipher = re.search(r"\[TLS\] (TLS[^,\n]*, \S+)", out)
        return p, m.group(1), cipher.group(1) if cipher else None

    # -- iperf3 ----------------------------------------------------------------

    def iperf(self, ns, host, port, reverse, seconds, bind=None):
        argv = ["iperf3", "-c", host, "-p", str(port), "-t", str(seconds), "-J", "--connect-timeout", "5000"]
        if reverse:
            argv.append("-R")
        r = run(*ns.exec(ns.client, *argv), check=False, timeout=seconds + 60)
        try:
            data = json.loads(r.stdout)
            return data["end"]["sum_received"]["bits_per_second"] / 1e9, data["end"]["sum_received"]["bytes"]
        except (ValueError, KeyError):
            raise RuntimeError(f"iperf3 failed: {r.stdout[-2000:]} {r.stderr[-2000:]}")

    # -- sections --------------------------------------------------------------

    def section_throughput(self, ns):
        """iperf3 through the tunnel and through a plain TLS relay (socat's
        OPENSSL addresses, 16 KB records) with the same process layout:
        iperf3 -> relay -> TLS over the veth -> relay -> iperf3."""
        d = pki()
        self.start_server(ns)
        client, _, cipher = self.start_client(ns)
        client_pid = client.proc.pid
        srv_iperf = self.spawn(ns.exec(ns.server, "iperf3", "-s", "-B", TUNNEL_SERVER_IP, "-p", str(IPERF_PORT)),
                               "iperf3-tunnel")
        rel_iperf = self.spawn(ns.exec(ns.server, "iperf3", "-s", "-B", "127.0.0.1", "-p", str(RELAY_IPERF_PORT)),
                               "iperf3-relay")
        relay_s = self.spawn(ns.exec(
            ns.server, "socat", "-d", "-d", "-b", "16384",
            f"OPENSSL-LISTEN:{RELAY_PORT},bind={SERVER_IP},reuseaddr,fork,cert={d}/sstp-chain.pem,key={d}/leaf.key,"
            "verify=0", f"TCP:127.0.0.1:{RELAY_IPERF_PORT},nodelay"), "relay-server")
        relay_c = self.spawn(ns.exec(
            ns.client, "socat", "-d", "-d", "-b", "16384",
            f"TCP-LISTEN:{RELAY_IPERF_PORT},bind=127.0.0.1,reuseaddr,fork",
            f"OPENSSL:{SERVER_IP}:{RELAY_PORT},cafile={d}/root.pem,commonname=sstp.test,nodelay"), "relay-client")
        time.sleep(0.5)
        res = {"up": {"tunnel": [], "relay": [], "ratio": [], "cpu_s_per_gb": []},
               "down": {"tunnel": [], "relay": [], "ratio": [], "cpu_s_per_gb": []}}
        rss_before = proc_status(client_pid, "VmRSS")
        for i in range(REPEAT):
            for direction in ("up", "down"):
                reverse = direction == "down"
                cpu0 = proc_cpu(client_pid)
                tun_gbps, tun_bytes = self.iperf(ns, TUNNEL_SERVER_IP, IPERF_PORT, reverse, SECONDS)
                cpu = proc_cpu(client_pid) - cpu0
                rel_gbps, _ = self.iperf(ns, "127.0.0.1", RELAY_IPERF_PORT, reverse, SECONDS)
                r = res[direction]
                r["tunnel"].append(tun_gbps)
                r["relay"].append(rel_gbps)
                r["ratio"].append(tun_gbps / rel_gbps)
                r["cpu_s_per_gb"].append(cpu / (tun_bytes / 1e9))
                log(f"  throughput {direction} run {i + 1}: tunnel {tun_gbps:.2f} Gbit/s, relay {rel_gbps:.2f}"
                    f" Gbit/s, client {cpu / (tun_bytes / 1e9):.2f} CPU s/GB")
        relay_cipher = re.search(r"SSL connection using (\S+)", relay_c.output())
        out = {}
        for direction in ("up", "down"):
            r = res[direction]
            out[direction] = {"tunnel_gbps": summary(r["tunnel"]), "relay_gbps": summary(r["relay"]),
                              "tunnel_over_relay": summary(r["ratio"]),
                              "client_cpu_s_per_gb": summary(r["cpu_s_per_gb"])}
        out["cipher"] = {"tunnel": cipher, "relay": relay_cipher.group(1) if relay_cipher else None}
        self.results["cipher"] = cipher
        out["client_rss_mb"] = {"idle": rss_before, "peak": proc_status(client_pid, "VmHWM")}
        for p in (srv_iperf, rel_iperf, relay_s, relay_c):
            self.close(p)
        return out

    def section_latency(self, ns):
        """ping through the tunnel minus ping over the same veth: idle, under
        an upload through the tunnel (iperf3, client to server, as fast as
        it goes) with each inner congestion control of LATENCY_CCS, and
        under an upload paced to LATENCY_RATE_MBPS. Each loaded row also
        says where the tunnel's pings waited (pingtrace: forward and back
        between the two TUNs, the run-queue wait of both processes)."""
        server = self.start_server(ns)
        client, _, _ = self.start_client(ns)
        def ping(target, count):
            r = run(*ns.exec(ns.client, "ping", "-4", "-n", "-c", str(count), "-i", "0.002", "-W", "1", target),
                    check=False, timeout=count * 0.1 + 30)
            return [float(x) * 1000 for x in re.findall(r"time=([\d.]+) ms", r.stdout)]

        srv_iperf = self.spawn(ns.exec(ns.server, "iperf3", "-s", "-B", TUNNEL_SERVER_IP, "-p", str(IPERF_PORT)),
                               "iperf3-latency")
        time.sleep(0.3)
        rows = [("idle", None, None)]
        for i, cc in enumerate(LATENCY_CCS):
            rows.append(("load" if i == 0 else f"load_{cc}", cc, None))
        if LATENCY_RATE_MBPS > 0 and LATENCY_CCS:
            rows.append(("paced", LATENCY_CCS[0], LATENCY_RATE_MBPS))
        out = {}
        for key, cc, rate in rows:
            loader = trace = None
            queues = []
            if cc:
                duration = int(PINGS * 0.006 * 2 + 6)
                argv = ["iperf3", "-c", TUNNEL_SERVER_IP, "-p", str(IPERF_PORT), "-t", str(duration), "-C", cc, "-J"]
                if rate:
                    argv += ["-b", f"{rate}M"]
                loader = subprocess.Popen(ns.exec(ns.client, *argv), stdout=subprocess.PIPE,
                                          stderr=subprocess.DEVNULL, text=True)
                time.sleep(1.5)
                trace = pingtrace.PingTrace(ns, self.tmp)
                trace.start()
                queues = [pingtrace.RunQueue(self.pid_of(p, b)) for p, b in ((client, SSTP), (server, SERVER))]
                for q in queues:
                    q.start()
            entry = {}
            try:
                direct, tunnel = [], []
                for _ in range(2):  # interleaved halves
                    direct += ping(SERVER_IP, PINGS // 2)
                    tunnel += ping(TUNNEL_SERVER_IP, PINGS // 2)
                if loader:
                    entry["cc"] = cc
                    entry["cc_seen"] = inner_congestion(ns)
                    entry["client_cpu"], entry["server_cpu"] = (q.stop() for q in queues)
                    entry.update(trace.stop())
                    trace = None
            finally:
                if trace:
                    trace.stop()
                if loader:
                    loader.terminate()
                    try:
                        report, _ = loader.communicate(timeout=15)
                    except subprocess.TimeoutExpired:
                        loader.kill()
                        report, _ = loader.communicate()
                    entry["goodput_gbps"] = iperf3_interval_gbps(report)
            if rate:
                entry["rate_mbps"] = rate
            for name, vals in (("direct_us", direct), ("tunnel_us", tunnel)):
                entry[name] = {"median": statistics.median(vals), "p99": percentile(vals, 99), "n": len(vals)}
            entry["added_us"] = {"median": entry["tunnel_us"]["median"] - entry["direct_us"]["median"],
                                 "p99": entry["tunnel_us"]["p99"] - entry["direct_us"]["p99"]}
            out[key] = entry
            where = ""
            if "forward_us" in entry and entry["forward_us"]:
                where = (f", forward {entry['forward_us']['median']:.0f} us, back {entry['back_us']['median']:.0f} us,"
                         f" {entry.get('goodput_gbps') or 0:.2f} Gbit/s")
            log(f"  latency {key}: direct {entry['direct_us']['median']:.0f} us, tunnel"
                f" {entry['tunnel_us']['median']:.0f} us (p99 {entry['tunnel_us']['p99']:.0f}){where}")
            time.sleep(0.5)
        self.close(srv_iperf)
        return out

    def section_dataplane(self, ns):
        """The client's data plane in isolation: benchtool mitm terminates
        the client's TLS, relays only control traffic to the server and
        decrypts and drops the IP packets (TUN -> TLS, fed by a UDP flood
        into the TUN), or writes 16 KB records of SSTP data packets to the
        client (TLS -> TUN). Each both ways: per packet (1400-byte UDP
        datagrams, which no offload batches) and with offload (the flood
        sends with UDP_SEGMENT, so the TUN hands out 64 KB UDP superpackets;
        the records carry one TCP stream's segments, which the client joins
        for its TUN). Next to it benchtool pump writes 16 KB (and 1400-byte)
        TLS records to benchtool sink over the same veth."""
        d = pki()
        self.start_server(ns)
        keys = ("tun_to_tls", "tun_to_tls_offload", "tls_to_tun", "tls_to_tun_offload", "pump_16k", "pump_1400")
        res = {k: [] for k in keys}
        cpu = {k: [] for k in keys[:4]}
        busy = {k: [] for k in keys[:4]}  # CPU seconds per second of each process
        mitm = subprocess.Popen(ns.exec(ns.server, BENCHTOOL, "mitm", SERVER_IP, "8443", SERVER_IP, "443",
                                        f"{d}/sstp-chain.pem", f"{d}/leaf.key"),
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                bufsize=1)
        client = None
        pump_cipher = None
        try:
            assert mitm.stdout.readline().strip() == "listening"
            client, dev, _ = self.start_client(ns, server=f"{SERVER_IP}:8443")
            client_pid = client.proc.pid
            mitm.stdout.readline()

            def stats():
                mitm.stdin.write("stats\n")
                m = re.search(r"bytes=(\d+) packets=(\d+) t=([\d.]+)", mitm.stdout.readline())
                return int(m.group(1)), float(m.group(3))

            def tun_to_tls(key, gso):
                argv = [BENCHTOOL, "flood", TUNNEL_SERVER_IP, "9", str(SECONDS + 1), "1372"] + (["47"] if gso else [])
                flood = subprocess.Popen(ns.exec(ns.client, *argv), stdout=subprocess.DEVNULL,
                                         stderr=subprocess.DEVNULL)
                time.sleep(0.5)
                b0, t0 = stats()
                c0, m0, f0 = proc_cpu(client_pid), proc_cpu(mitm.pid), proc_cpu(flood.pid)
                time.sleep(SECONDS)
                b1, t1 = stats()
                c1, m1, f1 = proc_cpu(client_pid), proc_cpu(mitm.pid), proc_cpu(flood.pid)
                flood.wait()
                res[key].append((b1 - b0) * 8 / (t1 - t0) / 1e9)
                cpu[key].append((c1 - c0) / ((b1 - b0) / 1e9))
                busy[key].append({"client": (c1 - c0) / (t1 - t0), "sink": (m1 - m0) / (t1 - t0),
                                  "flood": (f1 - f0) / (t1 - t0)})

            def tls_to_tun(key, tcp):
                c0, m0 = proc_cpu(client_pid), proc_cpu(mitm.pid)
                mitm.stdin.write(f"source {SECONDS}{' tcp' if tcp else ''}\n")
                m = re.search(r"bytes=(\d+) packets=(\d+) seconds=([\d.]+)", mitm.stdout.readline())
                c1, m1 = proc_cpu(client_pid), proc_cpu(mitm.pid)
                moved, seconds = int(m.group(1)), float(m.group(3))
                res[key].append(moved * 8 / seconds / 1e9)
                cpu[key].append((c1 - c0) / (moved / 1e9))
                busy[key].append({"client": (c1 - c0) / seconds, "source": (m1 - m0) / seconds})
                time.sleep(0.3)

            for i in range(REPEAT):
                tun_to_tls("tun_to_tls", False)
                tun_to_tls("tun_to_tls_offload", True)
                tls_to_tun("tls_to_tun", False)
                tls_to_tun("tls_to_tun_offload", True)
                # The TLS pump, 16 KB and 1400-byte records.
                for key, record in (("pump_16k", 16384), ("pump_1400", 1400)):
                    sink = subprocess.Popen(ns.exec(ns.server, BENCHTOOL, "sink", SERVER_IP, "9443",
                                                    f"{d}/sstp-chain.pem", f"{d}/leaf.key"),
                                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                    sink.stdout.readline()
                    pump = run(*ns.exec(ns.client, BENCHTOOL, "pump", SERVER_IP, "9443", str(SECONDS), str(record)),
                               timeout=SECONDS + 30)
                    sink.communicate(timeout=30)
                    m = re.search(r"bytes=(\d+) seconds=([\d.]+) cpu=([\d.]+) cipher=(\S+)", pump.stdout)
                    res[key].append(int(m.group(1)) * 8 / float(m.group(2)) / 1e9)
                    pump_cipher = m.group(4)
                log(f"  dataplane run {i + 1}: TUN->TLS {res['tun_to_tls'][-1]:.2f} (offload"
                    f" {res['tun_to_tls_offload'][-1]:.2f}), TLS->TUN {res['tls_to_tun'][-1]:.2f} (offload"
                    f" {res['tls_to_tun_offload'][-1]:.2f}), pump 16K {res['pump_16k'][-1]:.2f}, pump 1400"
                    f" {res['pump_1400'][-1]:.2f} Gbit/s")
        finally:
            self.close(client)
            mitm.kill()
            mitm.wait()
        out = {f"{k}_gbps": summary(v) for k, v in res.items()}
        for k, v in cpu.items():
            out[f"cpu_{k}_s_per_gb"] = summary(v)
        for k in keys[:4]:
            out[f"{k}_over_pump_16k"] = summary([a / b for a, b in zip(res[k], res["pump_16k"])])
        out["cipher"] = pump_cipher
        out["cpu_busy"] = {k: {p: statistics.median([b[p] for b in v]) for p in v[0]} for k, v in busy.items() if v}
        return out

    def section_connect(self, ns):
        """Connect time, CLI (from the client's first line, so without
        process launch) and D-Bus (from the Connect call), to the first echo
        reply through the tunnel; split by phase for the CLI."""
        self.start_server(ns)
        out = {}
        r = run(*ns.exec(ns.client, PY, os.path.join(BENCH, "conntime.py"), "cli", str(CONNECTS), TUNNEL_SERVER_IP,
                         "--", *self.client_argv()), timeout=CONNECTS * 40 + 60)
        attempts = [json.loads(l) for l in r.stdout.splitlines() if l.startswith("{")]
        ok = [a for a in attempts if a["ok"]]
        phases = {}
        for a in ok:
            for k, v in a["phases_ms"].items():
                phases.setdefault(k, []).append(v)
        out["cli"] = {"attempts": len(attempts), "ok": len(ok),
                      "total_ms": summary([a["total_ms"] for a in ok]),
                      "total_p99_ms": percentile([a["total_ms"] for a in ok], 99),
                      "launch_ms": summary([a["launch_ms"] for a in ok]),
                      # What a user of `sstp connect` waits for: process
                      # start to the first echo.
                      "spawn_to_echo_ms": summary([a["launch_ms"] + a["total_ms"] for a in ok]),
                      "phases_ms": {k: summary(v) for k, v in phases.items()}}
        log(f"  connect (CLI): {len(ok)}/{len(attempts)} ok, median {out['cli']['total_ms']['median']:.2f} ms")
        if not os.path.exists(SERVICE):
            out["dbus"] = {"skipped": f"{SERVICE} not built"}
            return out
        from dbusbus import PrivateSystemBus  # noqa: E402 (needs SSTP_BUILD_DIR set first)
        bus = PrivateSystemBus(os.path.join(self.tmp, "bus"), prefix=ns.exec(ns.client))
        try:
            options = {"server": SERVER_IP, "user": USER, "password-file": self.password_file,
                       "ca-cert": os.path.join(pki(), "root.pem"), "server-name": "sstp.test"}
            r = run(*ns.exec(ns.client, PY, os.path.join(BENCH, "conntime.py"), "dbus", str(CONNECTS),
                             TUNNEL_SERVER_IP, bus.address, json.dumps(options)), check=False,
                    timeout=CONNECTS * 40 + 60)
            attempts = [json.loads(l) for l in r.stdout.splitlines() if l.startswith("{")]
            ok = [a for a in attempts if a["ok"]]
            out["dbus"] = {"attempts": len(attempts), "ok": len(ok),
                           "total_ms": summary([a["total_ms"] for a in ok]),
                           "total_p99_ms": percentile([a["total_ms"] for a in ok], 99),
                           "reply_ms": summary([a["reply_ms"] for a in ok]),
                           "state_connected_ms": summary([a["state_ms"] for a in ok])}
            if not attempts:
                out["dbus"]["error"] = r.stderr[-2000:]
            else:
                log(f"  connect (D-Bus): {len(ok)}/{len(attempts)} ok, median"
                    f" {out['dbus']['total_ms']['median']:.2f} ms")
        finally:
            bus.close()
            # The activated service runs in the client namespace; stop it
            # by PID.
            for pid in run("ip", "netns", "pids", ns.client, check=False).stdout.split():
                try:
                    if os.readlink(f"/proc/{pid}/exe").endswith("sstp-service"):
                        os.kill(int(pid), signal.SIGTERM)
                except OSError:
                    pass
        return out

    def section_cost(self, ns):
        """Allocations per packet in steady state (malloccount.so preloaded
        into a fresh client and server), read at two points of an iperf3
        transfer and divided by the packets the TUNs moved meanwhile."""
        server = self.start_server(ns, env={"LD_PRELOAD": MALLOCCOUNT})
        client = None
        srv_iperf = self.spawn(ns.exec(ns.server, "iperf3", "-s", "-B", TUNNEL_SERVER_IP, "-p", "5210"), "iperf3-cost")
        out = {}
        try:
            client, dev, _ = self.start_client(ns, env={"LD_PRELOAD": MALLOCCOUNT})
            time.sleep(0.3)
            cpid, spid = client.proc.pid, server.proc.pid
            for direction in ("up", "down"):
                seconds = max(3.0, SECONDS)
                argv = ["iperf3", "-c", TUNNEL_SERVER_IP, "-p", "5210", "-t", str(int(seconds + 1))]
                if direction == "down":
                    argv.append("-R")
                load = subprocess.Popen(ns.exec(ns.client, *argv), stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)
                time.sleep(1.0)
                # Packets through the tunnel: the IP bytes written to the two
                # TUNs (each packet is written once, on its way out of the
                # tunnel) in MTU-sized packets; with TUN offload one write,
                # and one TUN "packet", may hold dozens of them.
                l0, k0 = link_stats(ns.client, dev), link_stats(ns.server, "sstpsrv0")
                c0, s0 = malloc_counts(cpid), malloc_counts(spid)
                time.sleep(seconds - 1.5)
                l1, k1 = link_stats(ns.client, dev), link_stats(ns.server, "sstpsrv0")
                c1, s1 = malloc_counts(cpid), malloc_counts(spid)
                load.wait()
                moved = (l1["rx_bytes"] - l0["rx_bytes"]) + (k1["rx_bytes"] - k0["rx_bytes"])
                packets = moved // 1400
                entry = {"packets": packets, "bytes": moved,
                         "tun_writes": (l1["rx_packets"] - l0["rx_packets"]) + (k1["rx_packets"] - k0["rx_packets"])}
                for who, a, b in (("client", c0, c1), ("server", s0, s1)):
                    if a and b:
                        total, openssl = b[0] - a[0], b[3] - a[3]
                        entry[f"{who}_allocs"] = total
                        entry[f"{who}_allocs_openssl"] = openssl
                        entry[f"{who}_allocs_per_packet"] = total / packets
                        entry[f"{who}_allocs_per_packet_own"] = (total - openssl) / packets
                        entry[f"{who}_allocs_per_packet_openssl"] = openssl / packets
                out[direction] = entry
                log(f"  allocations {direction}: {entry}")
        finally:
            self.close(client)
            self.close(srv_iperf)
            self.close(server)
            for f in os.listdir("/dev/shm"):
                if f.startswith("malloccount."):
                    try:
                        os.unlink(os.path.join("/dev/shm", f))
                    except OSError:
                        pass
        return out

    def section_scale(self):
        """The bundled server with SCALE_CLIENTS clients started at once in
        one namespace, each moving data over its own tunnel (one TCP stream
        per TUN, SO_BINDTODEVICE)."""
        out = {"clients": SCALE_CLIENTS}
        with Namespaces("scale") as ns:
            server = self.start_server(ns)
            spid = server.proc.pid
            time.sleep(0.3)
            rss_empty = proc_status(spid, "VmRSS")
            clients = []
            try:
                started = time.monotonic()
                for i in range(SCALE_CLIENTS):
                    argv = self.client_argv(extra=("--interface", f"sstpb{i}"))
                    argv[argv.index("--user") + 1] = f"user{i}"
                    clients.append(self.spawn(ns.exec(ns.client, *argv), f"scale{i}"))
                spawn_times = {}
                deadline = time.monotonic() + 120
                pending = set(range(SCALE_CLIENTS))
                while pending and time.monotonic() < deadline:
                    for i in list(pending):
                        out_i = clients[i].output()
                        if "connected:" in out_i:
                            spawn_times[i] = time.monotonic() - started
                            pending.discard(i)
                        elif clients[i].proc.poll() is not None:
                            pending.discard(i)
                    time.sleep(0.01)
                connected = sorted(spawn_times)
                out["connected"] = len(connected)
                times = [spawn_times[i] * 1000 for i in connected]
                out["connect_ms"] = {"median": statistics.median(times), "p99": percentile(times, 99),
                                     "max": max(times)} if times else None
                log(f"  scale: {len(connected)}/{SCALE_CLIENTS} connected, connect p99"
                    f" {out['connect_ms']['p99'] if times else 0:.0f} ms (all started at once)")
                time.sleep(1.0)
                rss_idle = proc_status(spid, "VmRSS")
                sink = subprocess.Popen(ns.exec(ns.server, BENCHTOOL, "tcpsink", TUNNEL_SERVER_IP, "5301",
                                                str(SCALE_SECONDS + 4)),
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                sink.stdout.readline()
                cpu0 = proc_cpu(spid)
                src = run(*ns.exec(ns.client, BENCHTOOL, "tcpsrc", TUNNEL_SERVER_IP, "5301", str(SCALE_SECONDS),
                                   *[f"sstpb{i}" for i in connected]), check=False, timeout=SCALE_SECONDS + 60)
                cpu = proc_cpu(spid) - cpu0
                s_out, _ = sink.communicate(timeout=SCALE_SECONDS + 30)
                m = re.search(r"bytes=(\d+) conns=(\d+)", s_out)
                moved = int(m.group(1))
                out["streams"] = int(m.group(2))
                out["aggregate_gbps"] = moved * 8 / SCALE_SECONDS / 1e9
                out["server_cpu_s_per_gb"] = cpu / (moved / 1e9) if moved else None
                out["server_rss_mb"] = {"no_tunnels": rss_empty, "tunnels_idle": rss_idle,
                                        "peak": proc_status(spid, "VmHWM")}
                n = max(1, len(connected))
                out["server_rss_per_tunnel_mb"] = (out["server_rss_mb"]["peak"] - rss_empty) / n
                out["server_rss_total_mb"] = out["server_rss_mb"]["peak"]
                log(f"  scale: {out['aggregate_gbps']:.2f} Gbit/s over {out['streams']} streams; server RSS"
                    f" {rss_empty:.1f} -> {out['server_rss_mb']['peak']:.1f} MB ({src.stdout.strip()})")
            finally:
                for c in clients:
                    c.proc.send_signal(signal.SIGTERM)
                for c in clients:
                    self.close(c)
                self.close(server)
        return out

    def section_peers(self):
        from peers import run_peers  # noqa: E402
        return run_peers(self)

    def section_shaped(self):
        from rivals import section_shaped  # noqa: E402
        return section_shaped(self)

    def section_rivals(self):
        from rivals import section_rivals  # noqa: E402
        return section_rivals(self)

    # -- the run -----------------------------------------------------------------

    def machine(self):
        cpu = None
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
        git = run("git", "-C", ROOT, "rev-parse", "HEAD", check=False).stdout.strip()
        dirty = bool(run("git", "-C", ROOT, "status", "--porcelain", "--untracked-files=no", check=False).stdout.strip())
        return {"kernel": platform.release(), "cpu": cpu, "cores": os.cpu_count(),
                "openssl": version(["openssl", "version"]),
                "swift": version(["swift", "--version"], r"Swift version \S+"),
                "iperf3": version(["iperf3", "--version"]), "socat": version(["socat", "-V"], r"socat version \S+"),
                "debian": open("/etc/debian_version").read().strip() if os.path.exists("/etc/debian_version") else None,
                "load_average_at_start": os.getloadavg(), "git": git + ("-dirty" if dirty else "")}

    def run(self):
        started = time.monotonic()
        self.results = {"schema": 1, "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
                        "machine": self.machine(),
                        "config": {"repeat": REPEAT, "seconds": SECONDS, "pings": PINGS, "connects": CONNECTS,
                                   "scale_clients": SCALE_CLIENTS, "scale_seconds": SCALE_SECONDS,
                                   "peer_seconds": PEER_SECONDS, "peer_repeat": PEER_REPEAT, "sections": SECTIONS,
                                   "build": BUILD}}
        for name in [s for s in SECTIONS if s in ("throughput", "dataplane", "latency", "connect", "cost")]:
            log(f"== {name}")
            t = time.monotonic()
            try:
                with Namespaces(name[:4]) as ns:
                    try:
                        self.results[name] = getattr(self, f"section_{name}")(ns)
                    finally:
                        self.close_all()
            except Exception as e:  # one failing section does not lose the others
                traceback.print_exc()
                self.errors[name] = f"{type(e).__name__}: {e}"[:2000]
            log(f"   ({time.monotonic() - t:.0f} s)")
        for name in ("scale", "peers", "shaped", "rivals"):
            if name not in SECTIONS:
                continue
            log(f"== {name}")
            t = time.monotonic()
            try:
                self.results[name] = getattr(self, f"section_{name}")()
            except Exception as e:
                traceback.print_exc()
                self.errors[name] = f"{type(e).__name__}: {e}"[:2000]
            finally:
                self.close_all()
            log(f"   ({time.monotonic() - t:.0f} s)")
        if self.errors:
            self.results["errors"] = self.errors
        self.results["duration_s"] = round(time.monotonic() - started, 1)
        from report import targets, table  # noqa: E402
        self.results["targets"] = targets(self.results)
        return self.results


def main():
    if os.geteuid() != 0:
        sys.exit("make bench needs root (network namespaces, TUN, UML)")
    for path in (SSTP, SERVER, BENCHTOOL, MALLOCCOUNT):
        if not os.path.exists(path):
            sys.exit(f"{path} is missing: run make bench (it builds everything)")
    sys.path.insert(0, BENCH)
    bench = Bench()
    try:
        results = bench.run()
    finally:
        bench.close_all()
        harness.cleanup_pki()
        shutil.rmtree(bench.tmp, ignore_errors=True)
    from report import table
    out = os.environ.get("BENCH_OUT") or os.path.join(
        BENCH, "results", datetime.datetime.now().strftime("%Y-%m-%d-%H%M%S") + ".json")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out + ".tmp", "w") as f:
        json.dump(results, f, indent=1, sort_keys=False)
        f.write("\n")
    os.rename(out + ".tmp", out)
    print(table(results))
    print(f"\nwritten: {os.path.relpath(out, ROOT)} ({results['duration_s']:.0f} s)")
    return 1 if results.get("errors") else 0


if __name__ == "__main__":
    sys.exit(main())
