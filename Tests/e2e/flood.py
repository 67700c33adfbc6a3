"""Holds abusive connections to an SSTP server open, for the tests of the
test server under abuse (issue 16 item 15). Run inside a namespace:

    flood.py HOST PORT --idle N --half-open N --http N

  --idle N       plain TCP connections that send nothing
  --half-open N  TLS connections that send a ClientHello, then nothing
  --http N       TLS connections that finish the handshake and the HTTP
                 request (SSTP_DUPLEX_POST), then never start SSTP or PPP

It prints "ready connected=C" once every connection is made (or a bound of
seconds has passed), then one line "closed KIND INDEX AFTER" each time the
server ends one (AFTER: seconds since ready), until killed or --hold
seconds pass. Every socket is closed on exit.
"""
import argparse
import resource
import selectors
import socket
import ssl
import sys
import time

SSTP_REQUEST = (
    "SSTP_DUPLEX_POST /sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/ HTTP/1.1\r\n"
    "Host: sstp.test\r\n"
    "Content-Length: 18446744073709551615\r\n"
    "SSTPCORRELATIONID: {00000000-0000-0000-0000-000000000000}\r\n"
    "\r\n"
)


def say(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def start(kind, index, s, context, sockets):
    """What each kind sends once connected; returns the socket to watch."""
    if kind == "half-open":
        # A ClientHello through a memory BIO, then silence.
        incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
        tls = context.wrap_bio(incoming, outgoing, server_hostname="sstp.test")
        try:
            tls.do_handshake()
        except ssl.SSLWantReadError:
            pass
        s.sendall(outgoing.read())
    elif kind == "http":
        s.setblocking(True)
        s.settimeout(10)
        wrapped = context.wrap_socket(s, server_hostname="sstp.test")
        wrapped.sendall(SSTP_REQUEST.encode())
        answer = wrapped.recv(4096)
        if b" 200 " not in answer.split(b"\r\n")[0]:
            say(f"http {index}: unexpected answer {answer[:60]!r}")
        wrapped.setblocking(False)
        sockets[sockets.index((kind, index, s))] = (kind, index, wrapped)
        return wrapped
    return s


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("host")
    parser.add_argument("port", type=int)
    parser.add_argument("--idle", type=int, default=0)
    parser.add_argument("--half-open", type=int, default=0)
    parser.add_argument("--http", type=int, default=0)
    parser.add_argument("--connect-within", type=float, default=15.0)
    parser.add_argument("--hold", type=float, default=120.0)
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    selector = selectors.DefaultSelector()
    sockets = []  # (kind, index, socket)
    pending = {}  # socket -> (kind, index) until connected
    try:
        plan = [("idle", i) for i in range(args.idle)]
        plan += [("half-open", i) for i in range(args.half_open)]
        plan += [("http", i) for i in range(args.http)]
        for kind, index in plan:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setblocking(False)
            sockets.append((kind, index, s))
            s.connect_ex((args.host, args.port))
            pending[s] = (kind, index)
            selector.register(s, selectors.EVENT_WRITE, (kind, index))
        deadline = time.monotonic() + args.connect_within
        connected = 0
        ready = None
        while True:
            now = time.monotonic()
            if ready is None and (not pending or now >= deadline):
                say(f"ready connected={connected}")
                ready = now
            if ready is not None and now >= ready + args.hold:
                break
            for key, _ in selector.select(timeout=0.2):
                s = key.fileobj
                kind, index = key.data
                if s in pending:
                    del pending[s]
                    selector.unregister(s)
                    if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) != 0:
                        continue
                    connected += 1
                    s = start(kind, index, s, context, sockets)
                    selector.register(s, selectors.EVENT_READ, (kind, index))
                    continue
                try:
                    data = s.recv(65536)
                except (ssl.SSLWantReadError, BlockingIOError):
                    continue
                except (OSError, ssl.SSLError):
                    data = b""
                if not data:
                    selector.unregister(s)
                    since = time.monotonic() - ready if ready is not None else 0.0
                    say(f"closed {kind} {index} {since:.2f}")
    finally:
        for _, _, s in sockets:
            try:
                s.close()
            except OSError:
                pass
        selector.close()


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
