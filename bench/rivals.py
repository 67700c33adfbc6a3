"""Latency under upload on a shaped link, and the VPNs a user would pick
instead (issue 17): our client and bundled server (with the FQ-CoDel
uplink queue and without it), openconnect against ocserv (TLS over TCP,
DTLS off), OpenVPN 2.6 over TCP (DCO off) and wireguard-go, each in its own
namespace pair joined by a veth, next to the bare veth ("direct").

Per VPN: iperf3 goodput both ways on the bare veth, the client's and the
server's CPU seconds per GB, the client's RSS, the idle and loaded round
trip; then on the veth shaped with tbf (client to server, 30 ms of queue)
at BENCH_SHAPED_RATES Mbit/s, the round trip of a ping every 50 ms while an
iperf3 upload runs, and the upload's goodput. Congestion control is set
explicitly for each row: per route (`ip route ... congctl`) for the VPN's
outer TCP, `iperf3 -C` for the inner one, and checked with `ss -ti`.

section "shaped": our tunnel with the uplink queue against the same binary
with --no-queue-management and against the direct link, interleaved run by
run (both tunnels are up at once, each to its own server), cubic at the
first rate: the A/B of the uplink queue.

section "rivals": one row per VPN (one run each), all rates, cubic and bbr.
Every address is inside the namespaces; every run is bounded in time.
"""
import json
import os
import re
import statistics
import subprocess
import time

from harness import CLIENT_IP, SERVER_IP, TUNNEL_SERVER_IP, USER, PASSWORD, Namespaces, pki


def env_list(name, default):
    return [x for x in os.environ.get(name, default).split(",") if x]


QUICK = os.environ.get("BENCH_QUICK") == "1"
RATES = [int(x) for x in env_list("BENCH_SHAPED_RATES", "20,100")]
CCS = env_list("BENCH_SHAPED_CC", "cubic,bbr")
SHAPED_SECONDS = float(os.environ.get("BENCH_SHAPED_SECONDS", "6" if QUICK else "10"))
SHAPED_REPEAT = int(os.environ.get("BENCH_SHAPED_REPEAT", "2" if QUICK else "5"))
RIVAL_SECONDS = float(os.environ.get("BENCH_RIVAL_SECONDS", "3" if QUICK else "5"))
RIVALS = env_list("BENCH_RIVALS", "direct,ours,ours-fifo,openconnect,openvpn,wireguard-go")
TBF_LATENCY_MS = 30
PORT = 5201
MTU = 1400


def run(*argv, check=True, timeout=60, input=None):
    return subprocess.run(argv, check=check, capture_output=True, text=True, timeout=timeout, input=input)


def log(text):
    import sys
    print(text, file=sys.stderr, flush=True)


def proc_cpu(pids):
    total = 0.0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (FileNotFoundError, ProcessLookupError):
            pass
    return total


def proc_kb(pid, key):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1]) / 1024
    except FileNotFoundError:
        pass
    return None


def summary(values):
    values = [v for v in values if v is not None]
    if not values:
        return None
    s = sorted(values)
    q = statistics.quantiles(s, n=4) if len(s) >= 2 else [s[0], s[0], s[0]]
    return {"median": statistics.median(s), "min": s[0], "max": s[-1], "p25": q[0], "p75": q[2], "n": len(s),
            "runs": [round(v, 4) for v in values]}


def percentile(values, p):
    s = sorted(values)
    if not s:
        return None
    k = (len(s) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def first_line(*argv):
    r = run(*argv, check=False)
    lines = (r.stdout + r.stderr).strip().splitlines()
    return lines[0] if lines else None


def ns_pids(ns, name):
    """PIDs of processes called `name` in namespace `ns`."""
    out = []
    for pid in run("ip", "netns", "pids", ns, check=False).stdout.split():
        try:
            with open(f"/proc/{pid}/comm") as f:
                if f.read().strip() == name:
                    out.append(int(pid))
        except FileNotFoundError:
            pass
    return out


# -- the link ----------------------------------------------------------------

def set_congestion_control(ns, cc):
    """The outer TCP's congestion control, per route on both sides (the
    namespace default may only be reno or bbr here)."""
    for side, dev, src in ((ns.client, "veth-c", CLIENT_IP), (ns.server, "veth-s", SERVER_IP)):
        run("ip", "-n", side, "route", "replace", "10.99.0.0/24", "dev", dev, "proto", "kernel", "scope", "link",
            "src", src, "congctl", cc)


def shape(ns, mbit):
    """tbf on the client's side of the veth: `mbit` Mbit/s, 30 ms of queue."""
    burst = max(16000, mbit * 1000 // 8)  # about 1 ms at the rate, at least a few packets
    run("tc", "-n", ns.client, "qdisc", "replace", "dev", "veth-c", "root", "tbf", "rate", f"{mbit}mbit",
        "burst", str(burst), "latency", f"{TBF_LATENCY_MS}ms")


def unshape(ns):
    run("tc", "-n", ns.client, "qdisc", "del", "dev", "veth-c", "root", check=False)


def ss_congestion(ns):
    """(peer, congestion control) of the client namespace's TCP connections."""
    out = run("ip", "netns", "exec", ns.client, "ss", "-tin", check=False).stdout
    found = []
    peer = None
    for line in out.splitlines():
        if line.startswith("ESTAB"):
            fields = line.split()
            peer = fields[4] if len(fields) > 4 else None
        else:
            m = re.search(r"\b(cubic|bbr|reno)\b", line)
            if m and peer:
                found.append(f"{peer} {m.group(1)}")
                peer = None
    return sorted(set(found))


# -- measurements ------------------------------------------------------------

def ping(ns, target, count, interval):
    r = run("ip", "netns", "exec", ns.client, "ping", "-4", "-n", "-c", str(count), "-i",
            str(interval), "-W", "2", target, check=False, timeout=count * interval + 30)
    return [float(x) for x in re.findall(r"time=([\d.]+) ms", r.stdout)]


def iperf_json(ns, target, seconds, reverse=False, cc="cubic"):
    argv = ["ip", "netns", "exec", ns.client, "iperf3", "-c", target, "-p", str(PORT), "-t", str(seconds), "-J",
            "-C", cc, "--connect-timeout", "5000"]
    if reverse:
        argv.append("-R")
    return argv


def parse_iperf(text):
    try:
        d = json.loads(text)
        return d["end"]["sum_received"]["bits_per_second"] / 1e6, d["end"]["sum_received"]["bytes"]
    except (ValueError, KeyError):
        return None, None


def retried(measure, ok, attempts=3):
    """iperf3's server refuses a test while it winds down the last one
    ("the server is busy"): try again after a pause."""
    for i in range(attempts):
        r = measure()
        if ok(r) or i == attempts - 1:
            return r
        time.sleep(2)


def goodput(ns, vpn, reverse, cc):
    return retried(lambda: goodput_once(ns, vpn, reverse, cc), lambda r: r.get("mbps") is not None)


def goodput_once(ns, vpn, reverse, cc):
    """iperf3 through `vpn`; Mbit/s and the client's and server's CPU s/GB."""
    c0, s0 = proc_cpu(vpn.client_pids), proc_cpu(vpn.server_pids)
    r = run(*iperf_json(ns, vpn.target, RIVAL_SECONDS, reverse, cc), check=False, timeout=RIVAL_SECONDS + 60)
    mbps, nbytes = parse_iperf(r.stdout)
    if not nbytes:
        return {"mbps": None, "error": (r.stdout + r.stderr)[-300:]}
    gb = nbytes / 1e9
    out = {"mbps": mbps}
    try:
        out["retransmits"] = json.loads(r.stdout)["end"]["sum_sent"].get("retransmits")
    except (ValueError, KeyError):
        pass
    if vpn.client_pids:
        out["client_cpu_s_per_gb"] = (proc_cpu(vpn.client_pids) - c0) / gb
    if vpn.server_pids:
        out["server_cpu_s_per_gb"] = (proc_cpu(vpn.server_pids) - s0) / gb
    return out


def rtt_under_upload(ns, vpn, cc, seconds):
    return retried(lambda: rtt_under_upload_once(ns, vpn, cc, seconds), lambda r: r["goodput_mbps"] is not None)


def rtt_under_upload_once(ns, vpn, cc, seconds):
    """A ping every 50 ms while iperf3 uploads for `seconds` (the first 2 s
    of the upload not counted): ping medians and p90 in ms, goodput, and
    what `ss -ti` says the connections run."""
    loader = subprocess.Popen(iperf_json(ns, vpn.target, seconds, False, cc), stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, text=True)
    try:
        time.sleep(2)
        count = max(10, int((seconds - 3) / 0.05))
        cc_seen = []
        pinger = subprocess.Popen(["ip", "netns", "exec", ns.client, "ping", "-4", "-n", "-c", str(count), "-i",
                                   "0.05", "-W", "2", vpn.target], stdout=subprocess.PIPE,
                                  stderr=subprocess.DEVNULL, text=True)
        time.sleep(1)
        cc_seen = ss_congestion(ns)
        out, _ = pinger.communicate(timeout=seconds + 30)
        text, _ = loader.communicate(timeout=seconds + 60)
    finally:
        for p in (loader,):
            if p.poll() is None:
                p.kill()
                p.wait()
    rtts = [float(x) for x in re.findall(r"time=([\d.]+) ms", out)]
    mbps, _ = parse_iperf(text)
    if mbps is None:
        log(f"  iperf3 failed: {text[-500:]}")
    return {"rtt_ms": statistics.median(rtts) if rtts else None, "rtt_p90_ms": percentile(rtts, 90),
            "pings": len(rtts), "sent": count, "goodput_mbps": mbps, "ss": cc_seen}


# -- the VPNs ------------------------------------------------------------------

class Direct:
    name = "direct"

    def start(self, bench, ns):
        self.target = SERVER_IP
        self.client_pids, self.server_pids = [], []
        self.info = {"cipher": None}

    def stop(self):
        pass


class Ours:
    """Our client and bundled server; with `fifo`, both with --no-queue-management."""

    def __init__(self, fifo=False, index=0):
        self.fifo = fifo
        self.index = index
        self.name = "ours-fifo" if fifo else "ours"

    def start(self, bench, ns):
        extra = ["--no-queue-management"] if self.fifo else []
        local = TUNNEL_SERVER_IP if self.index == 0 else f"10.{205 + self.index}.0.1"
        pool = "10.201.0.10-10.201.0.250" if self.index == 0 else f"10.{205 + self.index}.0.10-10.{205 + self.index}.0.250"
        port = 443 + self.index
        d = pki()
        server_binary = os.path.join(os.environ["SSTP_BUILD_DIR"], "sstp-test-server")
        argv = ns.exec(ns.server, server_binary, "--listen", f"{SERVER_IP}:{port}", "--cert",
                       os.path.join(d, "sstp-chain.pem"), "--key", os.path.join(d, "leaf.key"), "--users", bench.users,
                       "--local", local, "--pool", pool, "--interface", f"sstpsrv{self.index}x%d", *extra)
        self.server = bench.spawn(argv, f"server-{self.name}")
        self.server.wait_for("listening on")
        argv = ns.exec(ns.client, *bench.client_argv(f"{SERVER_IP}:{port}", extra=[
            "--interface", f"sstp{self.index}x%d", "--mtu", str(MTU), *extra]))
        self.client = bench.spawn(argv, f"client-{self.name}")
        out = self.client.wait_for("connected:", timeout=30)
        cipher = re.search(r"\[TLS\] (TLS[^,\n]*, \S+)", out)
        self.target = local
        self.client_pids, self.server_pids = [self.client.proc.pid], [self.server.proc.pid]
        self.info = {"cipher": cipher.group(1) if cipher else None, "queue_management": not self.fifo}

    def stop(self):
        pass  # bench.close_all() ends them


class WireGuardGo:
    name = "wireguard-go"

    def start(self, bench, ns):
        tag = os.getpid() % 10000
        self.devs = {ns.server: f"wgs{tag}", ns.client: f"wgc{tag}"}
        keys = {}
        for side in (ns.server, ns.client):
            private = run("wg", "genkey").stdout.strip()
            public = run("wg", "pubkey", input=private + "\n").stdout.strip()
            path = os.path.join(bench.tmp, f"wg-{side}.key")
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.write(fd, (private + "\n").encode())
            os.close(fd)
            keys[side] = (path, public)
        self.procs = []
        self.cleanup()
        for side, local, peer_ip, endpoint in ((ns.server, "10.202.0.1", "10.202.0.2", None),
                                               (ns.client, "10.202.0.2", "10.202.0.1", f"{SERVER_IP}:51820")):
            dev = self.devs[side]
            p = bench.spawn(ns.exec(side, "env", "WG_PROCESS_FOREGROUND=1", "wireguard-go", "-f", dev),
                            f"wireguard-go-{dev}")
            self.procs.append(p)
            for _ in range(100):
                if os.path.exists(f"/var/run/wireguard/{dev}.sock"):
                    break
                time.sleep(0.05)
            other = ns.client if side == ns.server else ns.server
            argv = ["wg", "set", dev, "private-key", keys[side][0], "peer", keys[other][1], "allowed-ips",
                    f"{peer_ip}/32"]
            if side == ns.server:
                argv[3:3] = ["listen-port", "51820"]
            else:
                argv += ["endpoint", endpoint]
            run(*ns.exec(side, *argv))
            run("ip", "-n", side, "addr", "add", f"{local}/32", "peer", f"{peer_ip}/32", "dev", dev)
            run("ip", "-n", side, "link", "set", dev, "mtu", str(MTU), "up")
        self.target = "10.202.0.1"
        self.client_pids, self.server_pids = [self.procs[1].proc.pid], [self.procs[0].proc.pid]
        self.info = {"cipher": "ChaCha20-Poly1305 (WireGuard, UDP)",
                     "version": first_line("wireguard-go", "--version")}
        # The first packet sets up the session.
        ping(ns, self.target, 3, 0.2)

    def cleanup(self):
        """wireguard-go killed by SIGKILL leaves its UAPI socket behind."""
        for dev in self.devs.values():
            try:
                os.unlink(f"/var/run/wireguard/{dev}.sock")
            except FileNotFoundError:
                pass


def self_signed(tmp, name):
    key, cert = os.path.join(tmp, f"{name}.key"), os.path.join(tmp, f"{name}.pem")
    run("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout",
        key, "-out", cert, "-days", "2", "-subj", f"/CN={name}")
    fp = run("openssl", "x509", "-in", cert, "-noout", "-fingerprint", "-sha256").stdout.strip().split("=", 1)[1]
    return key, cert, fp


class OpenVPN:
    """OpenVPN 2.6 point to point over TCP, TLS with pinned self-signed
    certificates (--peer-fingerprint), DCO off."""
    name = "openvpn"

    def start(self, bench, ns):
        skey, scert, sfp = self_signed(bench.tmp, "ovpn-server")
        ckey, ccert, cfp = self_signed(bench.tmp, "ovpn-client")
        tag = os.getpid() % 10000
        common = ["openvpn", "--dev", f"ovpn{tag}", "--dev-type", "tun", "--disable-dco", "--tun-mtu", str(MTU),
                  "--dh", "none", "--verb", "3", "--ping", "10", "--ping-exit", "60", "--mute-replay-warnings"]
        self.server = bench.spawn(ns.exec(ns.server, *common, "--proto", "tcp-server", "--local", SERVER_IP,
                                          "--lport", "1194", "--ifconfig", "10.203.0.1", "10.203.0.2",
                                          "--tls-server", "--cert", scert, "--key", skey, "--peer-fingerprint", cfp),
                                  "openvpn-server")
        time.sleep(0.5)
        self.client = bench.spawn(ns.exec(ns.client, *common, "--proto", "tcp-client", "--remote", SERVER_IP, "1194",
                                          "--ifconfig", "10.203.0.2", "10.203.0.1", "--tls-client", "--cert", ccert,
                                          "--key", ckey, "--peer-fingerprint", sfp), "openvpn-client")
        out = self.client.wait_for("Initialization Sequence Completed", timeout=30)
        data = re.findall(r"Data Channel: (cipher '[^']+'[^\n]*)", out + self.server.output())
        control = re.search(r"Control Channel: ([^\n]+)", out)
        self.target = "10.203.0.1"
        self.client_pids, self.server_pids = [self.client.proc.pid], [self.server.proc.pid]
        self.info = {"cipher": (data[0] if data else None), "control": control.group(1) if control else None,
                     "version": first_line("openvpn", "--version")}

    def stop(self):
        pass


class OpenConnect:
    """openconnect (AnyConnect protocol) against ocserv, TLS over TCP only
    (ocserv without a UDP port, the client with --no-dtls)."""
    name = "openconnect"

    def start(self, bench, ns):
        d = pki()
        # ocserv's workers run as nobody and reach sec-mod's socket here:
        # a directory they may enter (the bench's own stays closed to
        # others but for traversal; its files are 0600).
        os.chmod(bench.tmp, 0o711)
        tmp = os.path.join(bench.tmp, "ocserv")
        os.makedirs(tmp, mode=0o755, exist_ok=True)
        os.chmod(tmp, 0o755)
        passwd = os.path.join(tmp, "ocpasswd")
        crypt = run("openssl", "passwd", "-6", PASSWORD).stdout.strip()
        with open(passwd, "w") as f:
            f.write(f"{USER}:*:{crypt}\n")
        tag = os.getpid() % 10000
        conf = os.path.join(tmp, "ocserv.conf")
        with open(conf, "w") as f:
            f.write("\n".join([
                f'auth = "plain[passwd={passwd}]"', "tcp-port = 4443", f"listen-host = {SERVER_IP}",
                f"server-cert = {d}/sstp-chain.pem", f"server-key = {d}/leaf.key",
                f"socket-file = {tmp}/ocserv.sock", f"pid-file = {tmp}/ocserv.pid", "isolate-workers = false",
                "run-as-user = nobody", "run-as-group = nogroup", "max-clients = 4", "max-same-clients = 4",
                "keepalive = 300", "dpd = 60", "mobile-dpd = 300", "try-mtu-discovery = false",
                "auth-timeout = 30", "cookie-timeout = 300", "deny-roaming = false", "rekey-time = 172800",
                "rekey-method = ssl", "use-occtl = false", f"device = ocs{tag}-", "predictable-ips = true",
                "ipv4-network = 10.204.0.0", "ipv4-netmask = 255.255.255.0", f"mtu = {MTU}", "dtls-legacy = false",
                "tls-priorities = \"NORMAL:%SERVER_PRECEDENCE\"", ""]))
        self.server = bench.spawn(ns.exec(ns.server, "ocserv", "-f", "-c", conf), "ocserv")
        for _ in range(100):
            if run("ip", "netns", "exec", ns.server, "ss", "-ltn", "sport", "= :4443", check=False).stdout.count(
                    "LISTEN"):
                break
            time.sleep(0.05)
        pub = run("sh", "-c", f"openssl x509 -in {d}/sstp-chain.pem -pubkey -noout | openssl pkey -pubin -outform DER"
                  " | openssl dgst -sha256 -binary | base64").stdout.strip()
        script = os.path.join(tmp, "oc-script.sh")
        with open(script, "w") as f:
            f.write("#!/bin/sh\n[ \"$reason\" = connect ] || exit 0\n"
                    "ip addr add \"$INTERNAL_IP4_ADDRESS/32\" peer 10.204.0.1/32 dev \"$TUNDEV\"\n"
                    "ip link set \"$TUNDEV\" mtu \"${INTERNAL_IP4_MTU:-1400}\" up\n")
        os.chmod(script, 0o755)
        self.client = bench.spawn(ns.exec(ns.client, "sh", "-c",
                                          f"printf '%s\\n' '{PASSWORD}' | exec openconnect --protocol=anyconnect "
                                          f"--no-dtls --user {USER} --passwd-on-stdin --servercert pin-sha256:{pub} "
                                          f"--script {script} --interface oc{tag} --non-inter "
                                          f"https://{SERVER_IP}:4443/"), "openconnect")
        try:
            out = wait_any(self.client, ("Configured as", "Connected as", "CSTP connected"), 30)
        except AssertionError as e:
            raise AssertionError(f"{e}\nocserv: {self.server.output()[-1500:]}")
        time.sleep(0.5)
        self.target = "10.204.0.1"
        self.client_pids = ns_pids(ns.client, "openconnect")
        self.server_pids = ns_pids(ns.server, "ocserv") + ns_pids(ns.server, "ocserv-sm") + ns_pids(
            ns.server, "ocserv-worker")
        cipher = re.search(r"with ciphersuite (\S+)", out + self.client.output())
        self.info = {"cipher": cipher.group(1).strip() if cipher else None,
                     "version": first_line("openconnect", "--version"),
                     "server": first_line("ocserv", "--version")}

    def stop(self):
        pass


def wait_any(p, texts, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        out = p.output()
        if any(t in out for t in texts):
            return out
        if p.proc.poll() is not None:
            raise AssertionError(f"{p.name} exited ({p.proc.returncode}):\n{out[-2000:]}")
        time.sleep(0.05)
    raise AssertionError(f"{p.name}: none of {texts} within {timeout}s:\n{p.output()[-2000:]}")


def make(name, index=0):
    return {"direct": lambda: Direct(), "ours": lambda: Ours(False, index), "ours-fifo": lambda: Ours(True, index),
            "wireguard-go": lambda: WireGuardGo(), "openvpn": lambda: OpenVPN(),
            "openconnect": lambda: OpenConnect()}[name]()


def ensure_iperf_server(bench, ns, target):
    p = bench.spawn(ns.exec(ns.server, "iperf3", "-s", "-B", target, "-p", str(PORT)), f"iperf3-{target}")
    time.sleep(0.3)
    return p


# -- sections --------------------------------------------------------------------

def section_shaped(bench):
    """Interleaved A/B: direct, ours with the uplink queue, ours without it,
    at the first rate with cubic, SHAPED_REPEAT times."""
    rate, cc = RATES[0], "cubic"
    with Namespaces("shap") as ns:
        try:
            # Before the tunnels connect: congctl applies to new connections.
            set_congestion_control(ns, cc)
            vpns = [Direct(), Ours(False, 0), Ours(True, 1)]
            for v in vpns:
                v.start(bench, ns)
                ensure_iperf_server(bench, ns, v.target)
            shape(ns, rate)
            runs = {v.name: [] for v in vpns}
            for i in range(SHAPED_REPEAT):
                for v in vpns:
                    r = rtt_under_upload(ns, v, cc, SHAPED_SECONDS)
                    runs[v.name].append(r)
                    log(f"  shaped {rate} Mbit/s {cc} run {i + 1} {v.name}: rtt {r['rtt_ms']} ms (p90"
                        f" {r['rtt_p90_ms']}), {r['goodput_mbps']} Mbit/s, {r['pings']}/{r['sent']} pings, {r['ss']}")
            unshape(ns)
        finally:
            bench.close_all()
    out = {"rate_mbps": rate, "cc": cc, "tbf_latency_ms": TBF_LATENCY_MS, "seconds": SHAPED_SECONDS}
    for name, rs in runs.items():
        out[name] = {"rtt_ms": summary([r["rtt_ms"] for r in rs]),
                     "rtt_p90_ms": summary([r["rtt_p90_ms"] for r in rs]),
                     "goodput_mbps": summary([r["goodput_mbps"] for r in rs]),
                     "ping_loss": summary([1 - r["pings"] / r["sent"] for r in rs]),
                     "ss": sorted({s for r in rs for s in r["ss"]})}
    ratio = {}
    for name in ("ours", "ours-fifo"):
        ratio[name] = {
            "rtt_over_direct": summary([a["rtt_ms"] / b["rtt_ms"] for a, b in zip(runs[name], runs["direct"])
                                        if a["rtt_ms"] and b["rtt_ms"]]),
            "goodput_over_direct": summary([a["goodput_mbps"] / b["goodput_mbps"]
                                            for a, b in zip(runs[name], runs["direct"])
                                            if a["goodput_mbps"] and b["goodput_mbps"]])}
    ratio["ours_over_fifo_rtt"] = summary([a["rtt_ms"] / b["rtt_ms"] for a, b in zip(runs["ours"], runs["ours-fifo"])
                                          if a["rtt_ms"] and b["rtt_ms"]])
    out["ratios"] = ratio
    return out


def measure(bench, ns, vpn, cc):
    """One VPN, up with the outer TCP on `cc`: goodput both ways, CPU per
    GB, RSS, idle and loaded round trip on the bare veth, then the shaped
    link at each rate."""
    ensure_iperf_server(bench, ns, vpn.target)
    out = {"rss_idle_mb": proc_kb(vpn.client_pids[0], "VmRSS") if vpn.client_pids else None}
    idle = ping(ns, vpn.target, 200, 0.005)
    out["idle_rtt_ms"] = statistics.median(idle) if idle else None
    out["up"] = goodput(ns, vpn, False, cc)
    out["down"] = goodput(ns, vpn, True, cc)
    r = rtt_under_upload(ns, vpn, cc, RIVAL_SECONDS + 3)
    out["loaded_rtt_ms"] = r["rtt_ms"]
    out["loaded_ss"] = r["ss"]
    out["rss_peak_mb"] = proc_kb(vpn.client_pids[0], "VmHWM") if vpn.client_pids else None
    out["shaped"] = {}
    for rate in RATES:
        shape(ns, rate)
        r = rtt_under_upload(ns, vpn, cc, SHAPED_SECONDS)
        out["shaped"][str(rate)] = r
        log(f"  {vpn.name} {cc} shaped {rate} Mbit/s: rtt {r['rtt_ms']} ms (p90 {r['rtt_p90_ms']}),"
            f" {r['goodput_mbps']} Mbit/s, {r['ss']}")
        unshape(ns)
    log(f"  {vpn.name} {cc}: up {out['up'].get('mbps')} down {out['down'].get('mbps')} Mbit/s, idle"
        f" {out['idle_rtt_ms']} ms, loaded {out['loaded_rtt_ms']} ms, RSS {out['rss_peak_mb']} MB")
    return out


def section_rivals(bench):
    """Each VPN, once per congestion control, in namespaces of its own
    (the route's congctl is set before the VPN connects: it applies to
    connections made after it)."""
    rows = []
    for i, name in enumerate(RIVALS):
        row = {"name": name}
        for cc in CCS:
            vpn = make(name)
            try:
                with Namespaces(f"r{i}{cc[0]}") as ns:
                    try:
                        set_congestion_control(ns, cc)
                        vpn.start(bench, ns)
                        row.update(vpn.info)
                        row[cc] = measure(bench, ns, vpn, cc)
                    finally:
                        bench.close_all()
                        if hasattr(vpn, "cleanup"):
                            vpn.cleanup()
            except Exception as e:  # one rival failing does not lose the others
                row[cc] = {"error": f"{type(e).__name__}: {e}"[:3000]}
                log(f"  rival {name} {cc} failed: {e}")
        rows.append(row)
    return {"rates_mbps": RATES, "ccs": CCS, "seconds": RIVAL_SECONDS, "shaped_seconds": SHAPED_SECONDS,
            "tbf_latency_ms": TBF_LATENCY_MS, "rows": rows}
