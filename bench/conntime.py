"""Connect timer, run by bench/run.py inside the client namespace.

  conntime.py cli COUNT PEER -- SSTP_ARGV...
      Starts the client COUNT times. Each time it timestamps the client's
      phase lines as they arrive (the client writes them unbuffered), then
      sends ICMP echo requests to PEER through the tunnel every 0.2 ms until
      one is answered, stops the client with SIGTERM and waits for its exit.
  conntime.py dbus COUNT PEER BUS_ADDRESS OPTIONS_JSON
      The same through the standalone D-Bus API: Manager.Connect(a{sv}),
      StateChanged("connected"), the first echo reply, then
      Connection.Disconnect and StateChanged("disconnected").

Prints one JSON object per attempt on stdout.
"""
import json
import os
import select
import selectors
import signal
import socket
import struct
import subprocess
import sys
import time

# The phase lines of `sstp connect` (TunnelEvent.swift), in order; each
# phase ends with the line that reports it done.
PHASE_ENDS = [
    ("tcp", "[TCP] connected"),
    ("tls", "[TLS] TLS"),
    ("http", "[HTTP] HTTP "),
    ("sstp", "[SSTP] CALL_CONNECT_ACK"),
    ("lcp", "[PPP LCP] LCP opened"),
    ("auth", "[PPP authentication] authenticated"),
    ("ipcp", "[IPCP/IPv6CP] IPCP opened"),
]


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return ~s & 0xFFFF


def first_echo(peer, timeout=5.0):
    """Sends ICMP echo requests every 0.2 ms (sleeping between) until one is answered; returns
    the monotonic time of the reply."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    sock.setblocking(False)
    ident = os.getpid() & 0xFFFF
    deadline = time.monotonic() + timeout
    seq = 0
    try:
        while time.monotonic() < deadline:
            seq += 1
            header = struct.pack("!BBHHH", 8, 0, 0, ident, seq)
            payload = b"sstp-bench"
            packet = struct.pack("!BBHHH", 8, 0, checksum(header + payload), ident, seq) + payload
            try:
                sock.sendto(packet, (peer, 0))
            except OSError:
                pass
            end = time.monotonic() + 0.0002
            while True:
                # Sleep in poll(2) rather than spin: on 2 cores a spinning
                # probe takes the CPU the client and server need to answer.
                left = end - time.monotonic()
                if left <= 0 or not select.select([sock], [], [], left)[0]:
                    break
                try:
                    data = sock.recv(2048)
                except BlockingIOError:
                    continue
                ihl = (data[0] & 0x0F) * 4
                if len(data) >= ihl + 8 and data[ihl] == 0 and struct.unpack("!H", data[ihl + 4:ihl + 6])[0] == ident:
                    return time.monotonic()
        return None
    finally:
        sock.close()


def cli(count, peer, argv):
    for _ in range(count):
        spawn = time.monotonic()
        p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
        sel = selectors.DefaultSelector()
        sel.register(p.stdout, selectors.EVENT_READ)
        sel.register(p.stderr, selectors.EVENT_READ)
        lines = []
        partial = {p.stdout: b"", p.stderr: b""}
        connected = None
        deadline = spawn + 30
        while connected is None and time.monotonic() < deadline:
            for key, _ in sel.select(timeout=0.5):
                chunk = os.read(key.fileobj.fileno(), 65536)
                t = time.monotonic()
                if not chunk:
                    sel.unregister(key.fileobj)
                    continue
                partial[key.fileobj] += chunk
                while b"\n" in partial[key.fileobj]:
                    line, partial[key.fileobj] = partial[key.fileobj].split(b"\n", 1)
                    text = line.decode(errors="replace")
                    lines.append((t, text))
                    if text.startswith("connected:"):
                        connected = t
            if p.poll() is not None and connected is None:
                break
        result = {"ok": False, "lines": [l for _, l in lines][-5:]}
        if connected is not None:
            echo = first_echo(peer)
            start = lines[0][0]
            phases = {}
            previous = start
            for name, prefix in PHASE_ENDS:
                t = next((t for t, l in lines if l.startswith(prefix)), None)
                if t is None:
                    break
                phases[name] = (t - previous) * 1000
                previous = t
            # `connected:` comes right after IPCP opens; the first echo
            # reply is the tunnel carrying packets.
            if echo is not None:
                phases["first_packet"] = (echo - previous) * 1000
                result = {"ok": True, "launch_ms": (start - spawn) * 1000, "total_ms": (echo - start) * 1000,
                          "phases_ms": phases,
                          "cipher": next((l.split(", ", 1)[1] for _, l in lines if l.startswith("[TLS] TLS")), None)}
        p.send_signal(signal.SIGTERM)
        try:
            p.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            p.kill()
            p.communicate()
        print(json.dumps(result), flush=True)


def dbus(count, peer, address, options):
    from jeepney import DBusAddress, MatchRule, new_method_call
    from jeepney.bus_messages import message_bus
    from jeepney.io.blocking import Proxy, open_dbus_connection

    name, path = "net.sstpclient.Client1", "/net/sstpclient/Client1"
    manager = DBusAddress(path, bus_name=name, interface="net.sstpclient.Client1.Manager")
    conn = open_dbus_connection(bus=address)
    rule = MatchRule(type="signal", interface="net.sstpclient.Client1.Connection", member="StateChanged")
    Proxy(message_bus, conn).AddMatch(rule)
    opts = {k: ("s", v) for k, v in options.items()}
    with conn.filter(rule, bufsize=1000) as queue:

        def wait_state(obj, state, timeout=30):
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                msg = conn.recv_until_filtered(queue, timeout=deadline - time.monotonic())
                if msg.header.fields.get(1) == obj and msg.body[0] in (state, "failed"):
                    return time.monotonic(), msg.body[0]
            return None, None

        def connections():
            return conn.send_and_get_reply(new_method_call(
                DBusAddress(path, bus_name=name, interface="org.freedesktop.DBus.Properties"), "Get", "ss",
                ("net.sstpclient.Client1.Manager", "Connections")), timeout=30)

        # Activation (the first call starts the service) is not timed.
        connections()
        for _ in range(count):
            start = time.monotonic()
            reply = conn.send_and_get_reply(new_method_call(manager, "Connect", "a{sv}", (opts,)), timeout=30)
            replied = time.monotonic()
            obj = reply.body[0]
            up, state = wait_state(obj, "connected")
            result = {"ok": False, "state": state}
            if state == "connected":
                echo = first_echo(peer)
                if echo is not None:
                    result = {"ok": True, "reply_ms": (replied - start) * 1000, "state_ms": (up - start) * 1000,
                              "total_ms": (echo - start) * 1000}
            conn.send_and_get_reply(new_method_call(
                DBusAddress(obj, bus_name=name, interface="net.sstpclient.Client1.Connection"), "Disconnect"),
                timeout=30)
            wait_state(obj, "disconnected")
            # The service sends "disconnected" before it closes the TUN, and
            # closing a TUN takes 10-20 ms in the kernel here (the device is
            # unregistered): a call answered only once that is done keeps
            # the teardown out of the next Connect's time.
            connections()
            print(json.dumps(result), flush=True)


if __name__ == "__main__":
    mode, count, peer = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    if mode == "cli":
        cli(count, peer, sys.argv[sys.argv.index("--") + 1:])
    else:
        dbus(count, peer, sys.argv[4], json.loads(sys.argv[5]))
