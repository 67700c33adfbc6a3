#!/usr/bin/python3
"""Where the client's resident memory goes (issue 17): one tunnel in a
namespace pair, the client's /proc/PID/smaps_rollup and smaps read idle and
again after an iperf3 upload and download through it, grouped by mapping
(the binary, each shared library, heap, thread stacks, anonymous), anon and
file-backed apart. Run as root from the worktree; prints JSON.

    SSTP_BUILD_DIR=$PWD/.build/release /usr/bin/python3 bench/memory.py [client args...]

Extra arguments go to `sstp connect` (e.g. --no-queue-management);
MEMORY_ENV="MALLOC_ARENA_MAX=1 ..." sets the client's environment.
"""
import collections
import json
import os
import re
import subprocess
import sys
import time

BENCH = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, BENCH)
import run as bench  # noqa: E402
from harness import Namespaces, TUNNEL_SERVER_IP  # noqa: E402


def rollup(pid):
    out = {}
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            m = re.match(r"(\w+):\s+(\d+) kB", line)
            if m:
                out[m.group(1)] = int(m.group(2)) / 1024
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            for key in ("VmRSS", "VmHWM", "RssAnon", "RssFile", "Threads"):
                if line.startswith(key + ":"):
                    out[key] = int(line.split()[1]) / (1 if key == "Threads" else 1024)
    return out


def by_mapping(pid):
    """Rss per mapping name (MB), anon and file apart, largest first."""
    rss = collections.Counter()
    anon = collections.Counter()
    name = None
    with open(f"/proc/{pid}/smaps") as f:
        for line in f:
            if re.match(r"^[0-9a-f]+-[0-9a-f]+ ", line):
                parts = line.split()
                name = os.path.basename(parts[5]) if len(parts) > 5 else "[anon]"
            elif line.startswith("Rss:"):
                rss[name] += int(line.split()[1]) / 1024
            elif line.startswith("Anonymous:"):
                anon[name] += int(line.split()[1]) / 1024
    return [{"mapping": k, "rss_mb": round(v, 2), "anon_mb": round(anon[k], 2)}
            for k, v in rss.most_common() if v >= 0.05]


def main():
    extra = sys.argv[1:]
    env = dict(kv.split("=", 1) for kv in os.environ.get("MEMORY_ENV", "").split()) or None
    b = bench.Bench()
    result = {"build": bench.BUILD, "client_args": extra, "client_env": env}
    try:
        with Namespaces("m") as ns:
            b.start_server(ns)
            client, _, _ = b.start_client(ns, env=env, extra=extra)
            pid = client.proc.pid
            if env:  # `env` execs the client in place, but give it a moment
                time.sleep(0.2)
            time.sleep(0.3)
            result["idle"] = rollup(pid)
            result["idle_mappings"] = by_mapping(pid)
            srv = b.spawn(ns.exec(ns.server, "iperf3", "-s", "-B", TUNNEL_SERVER_IP, "-p", "5201"), "iperf3")
            time.sleep(0.3)
            for reverse in (False, True):
                gbps, _ = b.iperf(ns, TUNNEL_SERVER_IP, 5201, reverse, 3)
                result["down_gbps" if reverse else "up_gbps"] = round(gbps, 2)
            result["loaded"] = rollup(pid)
            result["loaded_mappings"] = by_mapping(pid)
            b.close(srv)
    finally:
        b.close_all()
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
