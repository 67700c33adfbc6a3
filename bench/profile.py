#!/usr/bin/python3
"""Profiles the client (or the server) under a steady iperf3 transfer
through the tunnel, in namespaces it makes and removes.

    /usr/bin/python3 bench/profile.py callgrind up|down [client|server]
    /usr/bin/python3 bench/profile.py perf up|down [client|server]
    /usr/bin/python3 bench/profile.py callgrind connect [client|server]
    /usr/bin/python3 bench/profile.py perf|callgrind flood [client]

`flood` is the dataplane section's TUN->TLS per packet: benchtool mitm
terminates the client's TLS and drops the data, a UDP flood of 1372-byte
datagrams (no offload batches them) feeds the client's TUN
(PROFILE_FLOOD_GSO=47 for the offload case).

callgrind: the process runs under valgrind --tool=callgrind with
instrumentation off until the tunnel is up and iperf3 has run for a second
(`connect`: on from the start, until the tunnel is up and carries a ping);
instruction counts are stable on a noisy machine. The output file and a
callgrind_annotate summary land in bench/results/profile-<tool>-<dir>-<who>.*
(ignored by git: copy what matters into bench/README.md).
perf: perf record -g (cpu-clock) of the running process for PROFILE_SECONDS.
Knobs: PROFILE_BYTES (callgrind, default 60M), PROFILE_SECONDS (perf, 5).
"""
import os
import subprocess
import sys
import time

BENCH = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH)
os.environ.setdefault("SSTP_BUILD_DIR", os.path.join(ROOT, ".build", "release"))
sys.path.insert(0, os.path.join(ROOT, "Tests", "e2e"))
sys.path.insert(0, BENCH)

from harness import TUNNEL_SERVER_IP, Namespaces, pki  # noqa: E402
import run as benchrun  # noqa: E402


def main():
    tool, direction = sys.argv[1], sys.argv[2]
    who = sys.argv[3] if len(sys.argv) > 3 else "client"
    out_dir = os.path.join(BENCH, "results")
    os.makedirs(out_dir, exist_ok=True)
    stem = os.path.join(out_dir, f"profile-{tool}-{direction}-{who}")
    bench = benchrun.Bench()
    stop = []
    try:
        with Namespaces("prof") as ns:
            prefix = []
            sstp, server_bin = benchrun.SSTP, benchrun.SERVER
            connect = direction == "connect"
            flood = direction == "flood"
            if tool == "callgrind":
                # Valgrind 3.19 cannot read the DWARF 5 that Swift 6 writes:
                # profile copies without debug information (the symbol
                # tables stay, so functions keep their names).
                sstp, server_bin = (os.path.join(bench.tmp, os.path.basename(b)) for b in (sstp, server_bin))
                subprocess.run(["strip", "-g", "-o", sstp, benchrun.SSTP], check=True)
                subprocess.run(["strip", "-g", "-o", server_bin, benchrun.SERVER], check=True)
                prefix = ["valgrind", "--tool=callgrind", f"--instr-atstart={'yes' if connect else 'no'}",
                          f"--callgrind-out-file={stem}.out"]
            if flood:
                d = pki()
                bench.start_server(ns)
                # stdin stays an open pipe: the mitm polls it for commands.
                mitm = subprocess.Popen(ns.exec(ns.server, benchrun.BENCHTOOL, "mitm", benchrun.SERVER_IP, "8443",
                                                benchrun.SERVER_IP, "443", f"{d}/sstp-chain.pem", f"{d}/leaf.key"),
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
                stop.append(mitm)
                assert mitm.stdout.readline().strip() == "listening"
                client = bench.spawn(ns.exec(ns.client, *prefix, sstp,
                                             *bench.client_argv(server=f"{benchrun.SERVER_IP}:8443")[1:]), "client")
                client.wait_for("connected:", timeout=120)
                target = client
            elif who == "server":
                d = pki()
                argv = ns.exec(ns.server, *prefix, server_bin, "--listen", f"{benchrun.SERVER_IP}:443",
                               "--cert", os.path.join(d, "sstp-chain.pem"), "--key", os.path.join(d, "leaf.key"),
                               "--users", bench.users, "--local", TUNNEL_SERVER_IP, "--pool", benchrun.POOL)
                server = bench.spawn(argv, "server")
                server.wait_for("listening on", timeout=60)
                client, _, _ = bench.start_client(ns)
                target = server
            else:
                bench.start_server(ns)
                client = bench.spawn(ns.exec(ns.client, *prefix, sstp, *bench.client_argv()[1:]), "client")
                client.wait_for("connected:", timeout=120)
                target = client
            if connect:
                subprocess.run(ns.exec(ns.client, "ping", "-c", "1", "-W", "5", TUNNEL_SERVER_IP), check=False,
                               capture_output=True)
                target.stop()
                time.sleep(1)
                for suffix, extra in (("", ["--inclusive=yes"]), ("-self", [])):
                    with open(f"{stem}{suffix}.txt", "w") as f:
                        subprocess.run(["callgrind_annotate", *extra, "--threshold=99", stem + ".out"], stdout=f,
                                       check=False)
                print(f"{stem}.out, {stem}.txt, {stem}-self.txt")
                return
            if flood:
                seconds = int(os.environ.get("PROFILE_SECONDS", "5"))
                gso = os.environ.get("PROFILE_FLOOD_GSO")
                argv = [benchrun.BENCHTOOL, "flood", TUNNEL_SERVER_IP, "9",
                        str(600 if tool == "callgrind" else seconds + 1), "1372"] + ([gso] if gso else [])
                load = subprocess.Popen(ns.exec(ns.client, *argv), stdout=subprocess.PIPE, text=True)
                time.sleep(1.0)
                if tool == "callgrind":
                    subprocess.run(["callgrind_control", "-i", "on", str(target.proc.pid)], check=False,
                                   capture_output=True)
                    time.sleep(seconds)
                    subprocess.run(["callgrind_control", "-i", "off", str(target.proc.pid)], check=False,
                                   capture_output=True)
                    load.kill()
                    load.wait()
                    target.stop()
                    time.sleep(1)
                    for suffix, extra in (("", ["--inclusive=yes"]), ("-self", [])):
                        with open(f"{stem}{suffix}.txt", "w") as f:
                            subprocess.run(["callgrind_annotate", *extra, "--threshold=99", stem + ".out"],
                                           stdout=f, check=False)
                    print(f"{stem}.out, {stem}.txt, {stem}-self.txt")
                    return
                rec = subprocess.run(["perf", "record", "-g", "-F", "999", "-o", stem + ".data", "-p",
                                      str(target.proc.pid), "--", "sleep", str(seconds - 2)], check=False,
                                     capture_output=True, text=True)
                print(rec.stderr.strip())
                print(load.communicate(timeout=60)[0].strip())
                with open(stem + ".txt", "w") as f:
                    subprocess.run(["perf", "report", "-i", stem + ".data", "--stdio", "--no-children",
                                    "--percent-limit", "0.5", "-g", "none"], stdout=f, stderr=subprocess.DEVNULL,
                                   check=False)
                print(f"{stem}.data, {stem}.txt")
                return
            iperf = bench.spawn(ns.exec(ns.server, "iperf3", "-s", "-B", TUNNEL_SERVER_IP), "iperf3")
            time.sleep(0.5)
            argv = ["iperf3", "-c", TUNNEL_SERVER_IP, "-t", "600" if tool == "callgrind" else
                    os.environ.get("PROFILE_SECONDS", "5")]
            if direction == "down":
                argv.append("-R")
            if tool == "callgrind":
                nbytes = os.environ.get("PROFILE_BYTES", "60M")
                argv = ["iperf3", "-c", TUNNEL_SERVER_IP, "-n", nbytes] + (["-R"] if direction == "down" else [])
                load = subprocess.Popen(ns.exec(ns.client, *argv), stdout=subprocess.PIPE, text=True)
                time.sleep(1.0)
                subprocess.run(["callgrind_control", "-i", "on", str(target.proc.pid)], check=False,
                               capture_output=True)
                out, _ = load.communicate(timeout=1200)
                subprocess.run(["callgrind_control", "-i", "off", str(target.proc.pid)], check=False,
                               capture_output=True)
                print(out.strip().splitlines()[-4:] if out else "")
                target.stop()
                time.sleep(1)
                with open(stem + ".txt", "w") as f:
                    subprocess.run(["callgrind_annotate", "--inclusive=yes", "--threshold=99", stem + ".out"],
                                   stdout=f, check=False)
                with open(stem + "-self.txt", "w") as f:
                    subprocess.run(["callgrind_annotate", "--threshold=99", stem + ".out"], stdout=f, check=False)
                print(f"{stem}.out, {stem}.txt, {stem}-self.txt")
            else:
                load = subprocess.Popen(ns.exec(ns.client, *argv), stdout=subprocess.PIPE, text=True)
                time.sleep(1.0)
                seconds = os.environ.get("PROFILE_SECONDS", "5")
                subprocess.run(["perf", "record", "-g", "-F", "999", "-o", stem + ".data", "-p",
                                str(target.proc.pid), "--", "sleep", str(int(seconds) - 2)], check=False,
                               capture_output=True)
                load.communicate(timeout=120)
                with open(stem + ".txt", "w") as f:
                    subprocess.run(["perf", "report", "-i", stem + ".data", "--stdio", "--no-children",
                                    "--percent-limit", "0.5", "-g", "none"], stdout=f, stderr=subprocess.DEVNULL,
                                   check=False)
                print(f"{stem}.data, {stem}.txt")
    finally:
        for p in stop:
            p.kill()
            p.wait()
        bench.close_all()
        import harness
        harness.cleanup_pki()


if __name__ == "__main__":
    main()
