#!/usr/bin/env python3
"""TCP transfer with an end-to-end SHA-256 check, for the tunnel tests.

  transfer.py sink ADDRESS PORT          accepts one connection, reads to EOF,
                                         prints "<bytes> <sha256>"
  transfer.py source ADDRESS PORT SIZE [RATE]
                                         sends SIZE deterministic bytes (at most
                                         RATE bytes a second when given), prints
                                         "<bytes> <sha256>" of what it sent
"""
import hashlib
import socket
import sys
import time


def blocks(size):
    seed = hashlib.sha256(b"sstp transfer").digest()
    block = seed * 2048  # 64 KiB
    sent = 0
    counter = 0
    while sent < size:
        counter += 1
        # Vary every block so a lost or repeated block changes the hash.
        head = counter.to_bytes(8, "big")
        chunk = (head + block[8:])[: min(len(block), size - sent)]
        sent += len(chunk)
        yield chunk


def sink(address, port):
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((address, port))
        s.listen(1)
        s.settimeout(60)
        conn, _ = s.accept()
        conn.settimeout(120)
        digest = hashlib.sha256()
        total = 0
        with conn:
            while True:
                data = conn.recv(1 << 16)
                if not data:
                    break
                digest.update(data)
                total += len(data)
        print(total, digest.hexdigest())


def connect(address, port, wait=20):
    """Connects, retrying while nothing listens yet (a sink in a slow
    guest may start late)."""
    deadline = time.monotonic() + wait
    while True:
        try:
            return socket.create_connection((address, port), timeout=30)
        except ConnectionRefusedError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def source(address, port, size, rate=0):
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    digest = hashlib.sha256()
    total = 0
    with connect(address, port) as s:
        s.settimeout(120)
        start = time.monotonic()
        for chunk in blocks(size):
            if rate:
                # Paced, so that the transfer spans what the test does meanwhile.
                ahead = total / rate - (time.monotonic() - start)
                if ahead > 0:
                    time.sleep(ahead)
            s.sendall(chunk)
            digest.update(chunk)
            total += len(chunk)
        s.shutdown(socket.SHUT_WR)
        s.recv(1)
    print(total, digest.hexdigest())


if __name__ == "__main__":
    if sys.argv[1] == "sink":
        sink(sys.argv[2], int(sys.argv[3]))
    else:
        source(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]) if len(sys.argv) > 5 else 0)
