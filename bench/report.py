"""The table `make bench` prints and the targets it checks, from the results
dictionary (the JSON written to bench/results/). Also usable on its own:

    /usr/bin/python3 bench/report.py bench/results/<date>.json
"""
import json
import sys


def get(d, *path):
    for p in path:
        if not isinstance(d, dict) or p not in d or d[p] is None:
            return None
        d = d[p]
    return d


def med(d, *path):
    v = get(d, *path)
    if isinstance(v, dict):
        return v.get("median")
    return v


# (name, value path, comparison, target, unit)
TARGETS = [
    ("tunnel/relay goodput, client to server", ("throughput", "up", "tunnel_over_relay"), ">=", 0.8, ""),
    ("tunnel/relay goodput, server to client", ("throughput", "down", "tunnel_over_relay"), ">=", 0.8, ""),
    ("data plane TUN->TLS / 16 KB TLS pump, per packet", ("dataplane", "tun_to_tls_over_pump_16k"), ">=", 0.5, ""),
    ("data plane TLS->TUN / 16 KB TLS pump, per packet", ("dataplane", "tls_to_tun_over_pump_16k"), ">=", 0.5, ""),
    ("data plane TUN->TLS / pump, offload", ("dataplane", "tun_to_tls_offload_over_pump_16k"), ">=", 0.5, ""),
    ("data plane TLS->TUN / pump, offload", ("dataplane", "tls_to_tun_offload_over_pump_16k"), ">=", 0.5, ""),
    ("data plane TUN->TLS / pump, offload (stretch)", ("dataplane", "tun_to_tls_offload_over_pump_16k"), ">=", 0.8,
     ""),
    ("data plane TLS->TUN / pump, offload (stretch)", ("dataplane", "tls_to_tun_offload_over_pump_16k"), ">=", 0.8,
     ""),
    ("added round trip, idle (median)", ("latency", "idle", "added_us", "median"), "<", 100, "us"),
    ("added round trip under upload, cubic (median)", ("latency", "load", "added_us", "median"), "<", 1000, "us"),
    ("added round trip under upload, bbr (median)", ("latency", "load_bbr", "added_us", "median"), "<", 1000, "us"),
    ("connect time, CLI (median)", ("connect", "cli", "total_ms"), "<", 5, "ms"),
    ("connect time, D-Bus (median)", ("connect", "dbus", "total_ms"), "<", 5, "ms"),
    ("client peak RSS under load", ("throughput", "client_rss_mb", "peak"), "<", 20, "MB"),
    ("client allocations/packet, client to server", ("cost", "up", "client_allocs_per_packet"), "<=", 0, ""),
    ("client allocations/packet, server to client", ("cost", "down", "client_allocs_per_packet"), "<=", 0, ""),
    ("  of those outside OpenSSL, client to server", ("cost", "up", "client_allocs_per_packet_own"), "<=", 0, ""),
    ("  of those outside OpenSSL, server to client", ("cost", "down", "client_allocs_per_packet_own"), "<=", 0, ""),
    ("server RSS with 100 tunnels", ("scale", "server_rss_total_mb"), "<", 500, "MB"),
    ("goodput vs sstpc in the guest (up)", ("peers", "ours_over_sstpc", "up"), ">", 1, ""),
    ("goodput vs sstpc in the guest (down)", ("peers", "ours_over_sstpc", "down"), ">", 1, ""),
    ("CPU/GB vs sstpc in the guest", ("peers", "ours_over_sstpc", "cpu_s_per_gb"), "<", 1, ""),
]


def targets(results):
    out = []
    for name, path, op, target, unit in TARGETS:
        value = med(results, *path)
        met = None
        if value is not None:
            met = {">=": value >= target, ">": value > target, "<": value < target, "<=": value <= target}[op]
        if name.startswith("server RSS") and get(results, "scale", "clients") not in (None, 100):
            name += f" (run had {get(results, 'scale', 'clients')})"
        out.append({"name": name, "value": value, "target": f"{op} {target}{(' ' + unit) if unit else ''}",
                    "met": met})
    return out


def fmt(v, digits=2):
    if v is None:
        return "-"
    if isinstance(v, str):
        return v
    if abs(v) >= 100:
        return f"{v:.0f}"
    return f"{v:.{digits}f}"


def spread(d):
    if not isinstance(d, dict) or "min" not in d:
        return ""
    return f"{fmt(d['min'])}..{fmt(d['max'])} (n={d['n']})"


def table(r):
    rows = []

    def row(section, name, value, unit="", extra=""):
        if isinstance(value, dict):
            extra = extra or spread(value)
            value = value.get("median")
        rows.append((section, name, fmt(value), unit, extra))

    t = r.get("throughput") or {}
    for d, label in (("up", "client->server"), ("down", "server->client")):
        if d in t:
            row("throughput", f"tunnel {label}", t[d]["tunnel_gbps"], "Gbit/s")
            row("throughput", f"TLS relay {label}", t[d]["relay_gbps"], "Gbit/s")
            row("throughput", f"tunnel/relay {label}", t[d]["tunnel_over_relay"])
            row("cost", f"client CPU {label}", t[d]["client_cpu_s_per_gb"], "s/GB")
    dp = r.get("dataplane") or {}
    if dp:
        row("dataplane", "TUN->TLS per packet (UDP)", dp.get("tun_to_tls_gbps"), "Gbit/s")
        row("dataplane", "TUN->TLS offload (UDP_SEGMENT)", dp.get("tun_to_tls_offload_gbps"), "Gbit/s")
        row("dataplane", "TLS->TUN per packet (UDP)", dp.get("tls_to_tun_gbps"), "Gbit/s")
        row("dataplane", "TLS->TUN offload (TCP, joined)", dp.get("tls_to_tun_offload_gbps"), "Gbit/s")
        row("dataplane", "TLS pump, 16 KB records", dp.get("pump_16k_gbps"), "Gbit/s")
        row("dataplane", "TLS pump, 1400-byte records", dp.get("pump_1400_gbps"), "Gbit/s")
        for k, label in (("tun_to_tls", "TUN->TLS per packet"), ("tun_to_tls_offload", "TUN->TLS offload"),
                         ("tls_to_tun", "TLS->TUN per packet"), ("tls_to_tun_offload", "TLS->TUN offload")):
            row("dataplane", f"{label} / pump 16 KB", dp.get(f"{k}_over_pump_16k"))
        for k, label in (("tun_to_tls", "TUN->TLS per packet"), ("tun_to_tls_offload", "TUN->TLS offload"),
                         ("tls_to_tun", "TLS->TUN per packet"), ("tls_to_tun_offload", "TLS->TUN offload")):
            row("cost", f"client CPU {label}", dp.get(f"cpu_{k}_s_per_gb"), "s/GB")
    lat = r.get("latency") or {}
    for load, e in lat.items():
        if isinstance(e, dict) and "added_us" in e:
            if e.get("cc"):
                load += f" ({e['cc']}{', ' + str(e['rate_mbps']) + ' Mbit/s' if e.get('rate_mbps') else ''})"
            row("latency", f"direct RTT {load} (median/p99)", e["direct_us"]["median"], "us",
                f"p99 {fmt(e['direct_us']['p99'])}")
            row("latency", f"tunnel RTT {load} (median/p99)", e["tunnel_us"]["median"], "us",
                f"p99 {fmt(e['tunnel_us']['p99'])}")
            row("latency", f"added RTT {load} (median/p99)", e["added_us"]["median"], "us",
                f"p99 {fmt(e['added_us']['p99'])}")
            if e.get("forward_us") and e.get("back_us"):
                row("latency", "  forward / back between the TUNs (median)", e["forward_us"]["median"], "us",
                    f"back {fmt(e['back_us']['median'])} us, goodput {fmt(e.get('goodput_gbps'))} Gbit/s")
    c = r.get("connect") or {}
    if "cli" in c:
        row("connect", "CLI total (to first echo)", c["cli"]["total_ms"], "ms",
            f"p99 {fmt(c['cli'].get('total_p99_ms'))}, {spread(c['cli']['total_ms'])}")
        for k, v in (c["cli"].get("phases_ms") or {}).items():
            row("connect", f"  phase {k}", v, "ms")
        row("connect", "  process launch (not counted)", c["cli"].get("launch_ms"), "ms")
        row("connect", "  process start to first echo", c["cli"].get("spawn_to_echo_ms"), "ms")
    if "dbus" in c:
        if "skipped" in c["dbus"] or not c["dbus"].get("total_ms"):
            rows.append(("connect", "D-Bus", "-", "", c["dbus"].get("skipped") or "failed"))
        else:
            row("connect", "D-Bus Connect total (to first echo)", c["dbus"]["total_ms"], "ms",
                f"p99 {fmt(c['dbus'].get('total_p99_ms'))}, {spread(c['dbus']['total_ms'])}")
            row("connect", "  D-Bus Connect reply", c["dbus"]["reply_ms"], "ms")
            row("connect", "  D-Bus StateChanged connected", c["dbus"]["state_connected_ms"], "ms")
    if t.get("client_rss_mb"):
        row("cost", "client RSS idle", t["client_rss_mb"]["idle"], "MB")
        row("cost", "client peak RSS under load", t["client_rss_mb"]["peak"], "MB")
    cost = r.get("cost") or {}
    for d, label in (("up", "client->server"), ("down", "server->client")):
        if d in cost:
            for who in ("client", "server"):
                row("cost", f"allocations/packet {who}, {label}", cost[d].get(f"{who}_allocs_per_packet"), "",
                    f"{cost[d].get(f'{who}_allocs')} over {cost[d]['packets']} MTU-sized packets"
                    f" ({cost[d].get('tun_writes', '?')} TUN writes), {cost[d].get(f'{who}_allocs_openssl')} by OpenSSL")
    sc = r.get("scale") or {}
    if sc:
        row("scale", f"clients connected (of {sc['clients']})", sc.get("connected"))
        row("scale", "aggregate goodput", sc.get("aggregate_gbps"), "Gbit/s", f"{sc.get('streams')} streams")
        row("scale", "server RSS total (peak)", sc.get("server_rss_total_mb"), "MB")
        row("scale", "server RSS per tunnel", sc.get("server_rss_per_tunnel_mb"), "MB")
        if sc.get("connect_ms"):
            row("scale", "connect, all started at once (p99)", sc["connect_ms"]["p99"], "ms",
                f"median {fmt(sc['connect_ms']['median'])}, incl. process launch")
    peers = r.get("peers") or {}
    for p in peers.get("rows", []):
        if p.get("available") is False:
            rows.append(("peers", p["name"], "not available", "", p.get("reason", "")))
            continue
        row("peers", f"{p['name']} client->server", p.get("up_mbps"), "Mbit/s")
        row("peers", f"{p['name']} server->client", p.get("down_mbps"), "Mbit/s")
        row("peers", f"{p['name']} CPU", p.get("cpu_s_per_gb"), "s/GB")
        row("peers", f"{p['name']} CPU, whole guest", p.get("guest_cpu_s_per_gb"), "s/GB")
    if peers.get("skipped"):
        rows.append(("peers", "guest", "skipped", "", peers["skipped"]))
    sh = r.get("shaped") or {}
    if sh:
        label = f"{sh.get('rate_mbps')} Mbit/s {sh.get('cc')}"
        for name in ("direct", "ours", "ours-fifo"):
            if name in sh:
                row("shaped", f"{name} RTT under upload, {label}", sh[name]["rtt_ms"], "ms")
                row("shaped", f"{name} upload goodput, {label}", sh[name]["goodput_mbps"], "Mbit/s")
        for name in ("ours", "ours-fifo"):
            rt = (sh.get("ratios") or {}).get(name) or {}
            row("shaped", f"{name} RTT / direct (interleaved)", rt.get("rtt_over_direct"))
            row("shaped", f"{name} goodput / direct (interleaved)", rt.get("goodput_over_direct"))
    rv = r.get("rivals") or {}
    for p in rv.get("rows", []):
        for cc in rv.get("ccs", []):
            e = p.get(cc) or {}
            if "error" in e:
                rows.append(("rivals", f"{p['name']} {cc}", "failed", "", e["error"][:100]))
                continue
            if not e:
                continue
            up, down = e.get("up") or {}, e.get("down") or {}
            row("rivals", f"{p['name']} {cc} up / down", up.get("mbps"), "Mbit/s", f"down {fmt(down.get('mbps'))}")
            row("rivals", f"{p['name']} {cc} CPU client up/down", up.get("client_cpu_s_per_gb"), "s/GB",
                f"down {fmt(down.get('client_cpu_s_per_gb'))}; server {fmt(up.get('server_cpu_s_per_gb'))}"
                f"/{fmt(down.get('server_cpu_s_per_gb'))}")
            row("rivals", f"{p['name']} {cc} RTT idle / loaded", e.get("idle_rtt_ms"), "ms",
                f"loaded {fmt(e.get('loaded_rtt_ms'))}; RSS {fmt(e.get('rss_idle_mb'))} -> {fmt(e.get('rss_peak_mb'))} MB")
            for rate, sv in (e.get("shaped") or {}).items():
                row("rivals", f"{p['name']} {cc} shaped {rate} Mbit/s RTT", sv.get("rtt_ms"), "ms",
                    f"p90 {fmt(sv.get('rtt_p90_ms'))}, goodput {fmt(sv.get('goodput_mbps'))} Mbit/s")
    widths = [max(len(str(x[i])) for x in rows + [("section", "figure", "median", "unit", "spread / note")])
              for i in range(5)]
    lines = []
    header = ("section", "figure", "median", "unit", "spread / note")
    for i, rw in enumerate([header] + rows):
        lines.append("  ".join(str(x).ljust(widths[j]) if j != 2 else str(x).rjust(widths[j])
                               for j, x in enumerate(rw)).rstrip())
        if i == 0:
            lines.append("  ".join("-" * w for w in widths))
    lines.append("")
    lines.append("targets:")
    for tg in r.get("targets") or []:
        mark = {True: "met", False: "NOT met", None: "not measured"}[tg["met"]]
        lines.append(f"  {mark:12} {tg['name']}: {fmt(tg['value'])} (target {tg['target']})")
    m = r.get("machine") or {}
    lines.append("")
    lines.append(f"machine: {m.get('cpu')}, {m.get('cores')} cores, kernel {m.get('kernel')}, {m.get('openssl')},"
                 f" {m.get('swift')}; cipher {r.get('cipher')}")
    for k, v in (r.get("errors") or {}).items():
        lines.append(f"ERROR in {k}: {v}")
    return "\n".join(lines)


if __name__ == "__main__":
    with open(sys.argv[1]) as f:
        results = json.load(f)
    print(table(results))
