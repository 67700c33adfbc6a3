"""Where a ping through the tunnel spends its time (the `latency` section's
breakdown, bench/README.md "Latency under load on the veth").

PingTrace runs tcpdump (ICMP only, so the bulk flow costs it nothing) on
the client's and the server's TUN devices while the pings run. A tap on a
TUN sees a packet when the kernel queues it for the device (the request on
the client, the reply on the server) and when the process writes it (the
request on the server, the reply on the client), so per echo:

- forward: client TUN -> server TUN, the request waiting in the client's
  TUN queue, the client, the outer TCP and the server;
- kernel: the server's stack answering (request in, reply out);
- back: server TUN -> client TUN, the reply through the server, the outer
  TCP and the client.

RunQueue reads /proc/<pid>/schedstat (time on the CPU, time runnable but
waiting for a CPU, time slices) of a process's main thread, where the
event loop runs.
"""
import os
import re
import statistics
import subprocess
import time

_LINE = re.compile(r"^(\d+\.\d+) IP .* ICMP echo (request|reply), id (\d+), seq (\d+)")


def tun_device(netns):
    """The point-to-point device (the tunnel's TUN) of a namespace."""
    out = subprocess.run(["ip", "-n", netns, "-o", "link", "show"], capture_output=True, text=True).stdout
    for line in out.splitlines():
        fields = line.split(": ")
        if len(fields) > 2 and "POINTOPOINT" in fields[2]:
            return fields[1].split("@")[0]
    return None


def _quantiles(values):
    if not values:
        return None
    v = sorted(values)
    return {"median": round(statistics.median(v), 1), "p90": round(v[min(len(v) - 1, int(len(v) * 0.9))], 1),
            "n": len(v)}


class PingTrace:
    """tcpdump on both TUNs between start() and stop(); stop() returns the
    forward, kernel and back times of the echoes seen on both, in us."""

    def __init__(self, ns, tmp):
        self.ns, self.tmp, self.procs, self.files = ns, tmp, [], []

    def start(self):
        for side, netns in (("client", self.ns.client), ("server", self.ns.server)):
            dev = tun_device(netns)
            if dev is None:
                raise RuntimeError(f"no TUN device in {netns}")
            path = os.path.join(self.tmp, f"pingtrace-{side}.txt")
            out = open(path, "w")
            self.files.append((path, out))
            self.procs.append(subprocess.Popen(
                ["ip", "netns", "exec", netns, "tcpdump", "-i", dev, "-n", "-tt", "-l", "--immediate-mode", "icmp"],
                stdout=out, stderr=subprocess.DEVNULL))
        time.sleep(0.5)  # both listening before the first ping

    def stop(self):
        for p in self.procs:
            p.terminate()
        for p in self.procs:
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        seen = []
        for path, out in self.files:
            out.close()
            stamps = {}
            with open(path) as f:
                for line in f:
                    m = _LINE.match(line)
                    if m:
                        stamps[(m.group(3), m.group(4), m.group(2))] = float(m.group(1))
            os.unlink(path)
            seen.append(stamps)
        client, server = seen
        forward, kernel, back = [], [], []
        for (ident, seq, kind), sent in client.items():
            if kind != "request":
                continue
            try:
                arrived = server[(ident, seq, "request")]
                answered = server[(ident, seq, "reply")]
                returned = client[(ident, seq, "reply")]
            except KeyError:
                continue
            forward.append((arrived - sent) * 1e6)
            kernel.append((answered - arrived) * 1e6)
            back.append((returned - answered) * 1e6)
        return {"forward_us": _quantiles(forward), "kernel_us": _quantiles(kernel), "back_us": _quantiles(back)}


class RunQueue:
    """CPU time and run-queue wait of a process's main thread over an
    interval: wait_ms_per_s is the time it was runnable but had no CPU,
    per second of the interval."""

    def __init__(self, pid):
        self.pid = pid

    def _read(self):
        with open(f"/proc/{self.pid}/schedstat") as f:
            run_ns, wait_ns, slices = (int(x) for x in f.read().split()[:3])
        return time.monotonic(), run_ns, wait_ns, slices

    def start(self):
        self.first = self._read()

    def stop(self):
        t1, r1, w1, s1 = self._read()
        t0, r0, w0, s0 = self.first
        seconds = max(t1 - t0, 1e-6)
        slices = max(s1 - s0, 1)
        return {"cpu_ms_per_s": round((r1 - r0) / 1e6 / seconds, 1), "wait_ms_per_s": round((w1 - w0) / 1e6 / seconds, 1),
                "wait_us_per_slice": round((w1 - w0) / 1e3 / slices, 1)}
