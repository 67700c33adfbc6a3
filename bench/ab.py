#!/usr/bin/python3
"""A/B of two builds in one sitting: `make bench-ab OLD=<release dir>`.

Runs bench/run.py's goodput (throughput: iperf3 through the tunnel on a veth,
both ways) and connect-time sections against the OLD build and the NEW build
(default: this tree's .build/release) in alternation, ROUNDS times
(BENCH_AB_ROUNDS, default 3), swapping which goes first each round so that
drift on a shared machine hits both. Each round's medians are one sample;
the table gives the median of the rounds and their spread (min-max), and
new/old. The per-run JSON files and a summary go to BENCH_AB_OUT (default
bench/results/<date>-<time>-ab/). BENCH_AB_OLD_CLIENT_ARGS / _SERVER_ARGS and
BENCH_AB_NEW_CLIENT_ARGS / _SERVER_ARGS add arguments to one side's client
and server (for example the new build with --no-queue-management, against
an old build from before the queue management). Needs root, like `make bench`.
"""

import json
import os
import statistics
import subprocess
import sys
import time

BENCH = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH)

# (label, path into run.py's JSON, unit, higher is better)
FIGURES = [
    ("goodput up (Gbit/s)", ("throughput", "up", "tunnel_gbps", "median"), True),
    ("goodput down (Gbit/s)", ("throughput", "down", "tunnel_gbps", "median"), True),
    ("connect, CLI (ms)", ("connect", "cli", "total_ms", "median"), False),
    ("connect, CLI from spawn (ms)", ("connect", "cli", "spawn_to_echo_ms", "median"), False),
    ("connect, D-Bus (ms)", ("connect", "dbus", "total_ms", "median"), False),
    # With BENCH_SECTIONS=dataplane,...: the isolated data plane.
    ("TUN->TLS/pump16k", ("dataplane", "tun_to_tls_over_pump_16k", "median"), True),
    ("TUN->TLS (Gbit/s)", ("dataplane", "tun_to_tls_gbps", "median"), True),
    ("TUN->TLS CPU (s/GB)", ("dataplane", "cpu_tun_to_tls_s_per_gb", "median"), False),
    ("TUN->TLS offl./pump16k", ("dataplane", "tun_to_tls_offload_over_pump_16k", "median"), True),
    ("TLS->TUN/pump16k", ("dataplane", "tls_to_tun_over_pump_16k", "median"), True),
    ("pump 16k (Gbit/s)", ("dataplane", "pump_16k_gbps", "median"), True),
    ("client CPU up (s/GB)", ("throughput", "up", "client_cpu_s_per_gb", "median"), False),
    ("tunnel/relay up", ("throughput", "up", "tunnel_over_relay", "median"), True),
    ("tunnel/relay down", ("throughput", "down", "tunnel_over_relay", "median"), True),
    ("client CPU down (s/GB)", ("throughput", "down", "client_cpu_s_per_gb", "median"), False),
    # With BENCH_SECTIONS=latency: the round trip under an upload.
    ("added RTT idle (us)", ("latency", "idle", "added_us", "median"), False),
    ("added RTT cubic (us)", ("latency", "load", "added_us", "median"), False),
    ("added RTT cubic p99 (us)", ("latency", "load", "added_us", "p99"), False),
    ("  forward cubic (us)", ("latency", "load", "forward_us", "median"), False),
    ("  back cubic (us)", ("latency", "load", "back_us", "median"), False),
    ("  goodput cubic (Gbit/s)", ("latency", "load", "goodput_gbps"), True),
    ("added RTT bbr (us)", ("latency", "load_bbr", "added_us", "median"), False),
    ("added RTT bbr p99 (us)", ("latency", "load_bbr", "added_us", "p99"), False),
    ("  forward bbr (us)", ("latency", "load_bbr", "forward_us", "median"), False),
    ("  back bbr (us)", ("latency", "load_bbr", "back_us", "median"), False),
    ("  goodput bbr (Gbit/s)", ("latency", "load_bbr", "goodput_gbps"), True),
    ("added RTT paced (us)", ("latency", "paced", "added_us", "median"), False),
]


def dig(data, path):
    for key in path:
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return data if isinstance(data, (int, float)) else None


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: bench/ab.py OLD_RELEASE_DIR [NEW_RELEASE_DIR]")
    old = os.path.abspath(sys.argv[1])
    new = os.path.abspath(sys.argv[2] if len(sys.argv) > 2 else os.path.join(ROOT, ".build", "release"))
    for build in (old, new):
        for binary in ("sstp", "sstp-test-server", "sstp-service"):
            if not os.access(os.path.join(build, binary), os.X_OK):
                sys.exit(f"{build}/{binary} is missing: build it with -c release first")
    rounds = int(os.environ.get("BENCH_AB_ROUNDS", "3"))
    sections = os.environ.get("BENCH_SECTIONS", "throughput,connect")
    out = os.environ.get("BENCH_AB_OUT") or os.path.join(
        BENCH, "results", time.strftime("%Y-%m-%d-%H%M%S") + "-ab")
    os.makedirs(out, exist_ok=True)
    samples = {"old": [], "new": []}
    for r in range(rounds):
        order = [("old", old), ("new", new)] if r % 2 == 0 else [("new", new), ("old", old)]
        for label, build in order:
            path = os.path.join(out, f"{label}-{r + 1}.json")
            env = dict(os.environ, SSTP_BUILD_DIR=build, BENCH_SECTIONS=sections, BENCH_OUT=path,
                       BENCH_CLIENT_ARGS=os.environ.get(f"BENCH_AB_{label.upper()}_CLIENT_ARGS", ""),
                       BENCH_SERVER_ARGS=os.environ.get(f"BENCH_AB_{label.upper()}_SERVER_ARGS", ""))
            print(f"round {r + 1}/{rounds}: {label} ({build})", flush=True)
            subprocess.run([sys.executable, os.path.join(BENCH, "run.py")], env=env, check=True,
                           stdout=subprocess.DEVNULL)
            with open(path) as f:
                samples[label].append(json.load(f))
    rows = []
    for name, path, higher in FIGURES:
        row = {"figure": name, "higher_is_better": higher}
        for label in ("old", "new"):
            values = [v for v in (dig(s, path) for s in samples[label]) if v is not None]
            row[label] = {"median": statistics.median(values) if values else None,
                          "min": min(values, default=None), "max": max(values, default=None), "runs": values}
        o, n = row["old"]["median"], row["new"]["median"]
        row["new_over_old"] = n / o if o and n is not None else None
        rows.append(row)
    summary = {"old": old, "new": new, "rounds": rounds, "sections": sections,
               "quick": os.environ.get("BENCH_QUICK") == "1", "rows": rows}
    with open(os.path.join(out, "summary.json"), "w") as f:
        json.dump(summary, f, indent=1)
    print(f"\n{'figure':24} {'old median (min-max)':28} {'new median (min-max)':28} new/old")
    for row in rows:
        cells = []
        for label in ("old", "new"):
            c = row[label]
            cells.append("n/a" if c["median"] is None else f"{c['median']:.3f} ({c['min']:.3f}-{c['max']:.3f})")
        ratio = "n/a" if row["new_over_old"] is None else f"{row['new_over_old']:.3f}"
        print(f"{row['figure']:24} {cells[0]:28} {cells[1]:28} {ratio}")
    print(f"\nper-run JSON and summary.json in {out}")


if __name__ == "__main__":
    main()
