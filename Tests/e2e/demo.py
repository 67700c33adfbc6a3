#!/usr/bin/env python3
"""make demo: the bundled test server in one network namespace, the client in
another, a ping and a file moved through the tunnel, then everything removed.
Prints each step and what it saw."""
import hashlib
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402
from harness import (CLIENT_IP, PASSWORD, SERVER_IP, TUNNEL_SERVER_IP, USER, Namespaces,  # noqa: E402
                     Process, cleanup_pki, pki, run)


def say(text):
    print(f"==> {text}", flush=True)


def main():
    if os.geteuid() != 0:
        sys.exit("make demo needs root (it makes network namespaces and TUN devices)")
    tmp = run("mktemp", "-d", "/tmp/sstp-demo-XXXXXX").stdout.strip()
    processes = []
    ns = Namespaces("demo")
    try:
        say("making a throwaway CA and a server certificate for sstp.test")
        d = pki()
        with open(os.path.join(tmp, "users"), "w") as f:
            f.write(f"{USER}:{PASSWORD}\n")
        fd = os.open(os.path.join(tmp, "password"), os.O_WRONLY | os.O_CREAT, 0o600)
        os.write(fd, (PASSWORD + "\n").encode())
        os.close(fd)
        say(f"network namespaces {ns.server} ({SERVER_IP}) and {ns.client} ({CLIENT_IP}) joined by a veth pair")
        ns.__enter__()
        say("starting sstp-test-server in the server namespace")
        server = Process(ns.exec(ns.server, harness.SERVER, "--listen", f"{SERVER_IP}:443",
                                 "--cert", os.path.join(d, "sstp-chain.pem"), "--key", os.path.join(d, "leaf.key"),
                                 "--users", os.path.join(tmp, "users"), "--local", TUNNEL_SERVER_IP,
                                 "--pool", "10.201.0.10-10.201.0.20", "--dns", "10.201.0.53"), "server")
        processes.append(server)
        server.wait_for("listening on")
        say(f"sstp connect {SERVER_IP} --user {USER} --password-file FILE --ca-cert root.pem --server-name sstp.test")
        client = Process(ns.exec(ns.client, harness.SSTP, "connect", SERVER_IP, "--user", USER,
                                 "--password-file", os.path.join(tmp, "password"),
                                 "--ca-cert", os.path.join(d, "root.pem"), "--server-name", "sstp.test"), "client")
        processes.append(client)
        client.wait_for("connected:", timeout=30)
        for line in client.output().splitlines():
            print(f"    {line}")
        server.wait_for("Crypto binding is valid")
        say("the server checked the client's crypto binding: valid")
        say(f"ping {TUNNEL_SERVER_IP} (the server's end of the tunnel) from the client namespace")
        r = run(*ns.exec(ns.client, "ping", "-c", "3", "-i", "0.2", TUNNEL_SERVER_IP), check=False)
        print("\n".join(f"    {l}" for l in r.stdout.splitlines()[-2:]))
        if r.returncode != 0:
            raise SystemExit("ping failed")
        size = 20 * 1000 * 1000
        say(f"moving a {size // 1000000} MB file through the tunnel and comparing SHA-256 on both ends")
        sink = subprocess.Popen(ns.exec(ns.server, "python3", harness.TRANSFER, "sink", TUNNEL_SERVER_IP, "5201"),
                                stdout=subprocess.PIPE, text=True)
        time.sleep(0.3)
        start = time.monotonic()
        sent = run(*ns.exec(ns.client, "python3", harness.TRANSFER, "source", TUNNEL_SERVER_IP, "5201", str(size)))
        elapsed = time.monotonic() - start
        received, _ = sink.communicate(timeout=60)
        print(f"    sent     {sent.stdout.strip()}")
        print(f"    received {received.strip()}")
        if sent.stdout.strip() != received.strip():
            raise SystemExit("the file arrived changed")
        print(f"    {size * 8 / elapsed / 1e6:.0f} Mbit/s (debug build)")
        say("disconnecting (SIGTERM)")
        code = client.stop()
        print(f"    sstp exited with {code}")
    finally:
        for p in processes:
            p.close()
        ns.__exit__(None, None, None)
        run("rm", "-rf", tmp, check=False)
        cleanup_pki()
        say("cleaned up: namespaces, processes and files removed")


if __name__ == "__main__":
    main()
