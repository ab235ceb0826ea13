"""A Python ssl peer for the cssl interop tests (tests/test_interop_python.c).

    peer.py server --cert C --key K [options]   prints "ready PORT", then
                                                serves --connections N
    peer.py client --port P [options]           makes --connections N

Both ends speak one small protocol per connection, after the handshake:
the client sends --send bytes of the pattern with its seed, the server
reads exactly that many (checking the pattern) and answers with --reply
bytes of the pattern with its seed; then the client closes with a TLS
close_notify exchange (unwrap) and the server answers it; with --ragged the
server instead closes the TCP connection without close_notify. The cssl side
(C) plays the other end.

What the Python side sees is printed as "<conn> <key> <value>" lines, so the
C test can compare it with cssl's view of the same connection (the Python
ssl module is the oracle): version, cipher, peer certificate (as JSON of
getpeercert()), own certificate (ssl._ssl._test_decode_cert), ALPN,
session_reused, tls-unique.
"""
import argparse
import json
import socket
import ssl
import sys

VERSIONS = {"1.2": ssl.TLSVersion.TLSv1_2, "1.3": ssl.TLSVersion.TLSv1_3}


def say(*words):
    print(*words, flush=True)


def pattern(length, seed):
    return bytes((k * 31 + seed * 7 + (k >> 8)) % 251 for k in range(length))


def recv_exact(sock, length):
    data = bytearray()
    while len(data) < length:
        chunk = sock.recv(min(65536, length - len(data)))
        if not chunk:
            break
        data += chunk
    return bytes(data)


def make_context(args, server):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER if server else ssl.PROTOCOL_TLS_CLIENT)
    if args.tls:
        ctx.minimum_version = ctx.maximum_version = VERSIONS[args.tls]
    if args.cert:
        ctx.load_cert_chain(args.cert, args.key)
    if args.cafile:
        ctx.load_verify_locations(args.cafile)
    if server and args.require_cert:
        ctx.verify_mode = ssl.CERT_REQUIRED
    if args.alpn:
        ctx.set_alpn_protocols(args.alpn.split(","))
    return ctx


def report(i, s, args):
    say(i, "version", s.version())
    name, proto, bits = s.cipher()
    say(i, "cipher", name, proto, bits)
    say(i, "alpn", s.selected_alpn_protocol())
    say(i, "reused", s.session_reused)
    cb = s.get_channel_binding("tls-unique")
    say(i, "tls-unique", cb.hex() if cb else None)
    cert = s.getpeercert()
    say(i, "peercert", json.dumps(cert, ensure_ascii=False) if cert is not None else None)
    if args.cert:
        own = ssl._ssl._test_decode_cert(args.cert)
        say(i, "owncert", json.dumps(own, ensure_ascii=False))


def failure(i, what, exc):
    reason = getattr(exc, "reason", None)
    say(i, what, type(exc).__name__, reason, getattr(exc, "verify_code", None))


def plain_exchange(i, raw, server):
    """After unwrap (STOPTLS) the socket carries plaintext: the server
    speaks first, then reads the client's line."""
    def read_line():
        line = b""
        while not line.endswith(b"\n"):
            chunk = raw.recv(1)
            if not chunk:
                break
            line += chunk
        return line.decode("ascii", "replace").rstrip("\n")
    if server:
        raw.sendall(b"PLAINTEXT FROM PYTHON\n")
        say(i, "plain", read_line())
    else:
        say(i, "plain", read_line())
        raw.sendall(b"PLAINTEXT FROM PYTHON\n")


def serve(args):
    ctx = make_context(args, server=True)
    lsock = socket.socket()
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(8)
    say("ready", lsock.getsockname()[1])
    for i in range(args.connections):
        raw, _ = lsock.accept()
        s = ctx.wrap_socket(raw, server_side=True, do_handshake_on_connect=False,
                            suppress_ragged_eofs=False)
        try:
            s.settimeout(10)
            try:
                s.do_handshake()
            except (ssl.SSLError, OSError) as e:
                failure(i, "handshake-error", e)
                continue
            report(i, s, args)
            try:
                data = recv_exact(s, args.send)
            except (ssl.SSLError, OSError) as e:
                failure(i, "read-error", e)
                continue
            say(i, "received", len(data), "ok" if data == pattern(args.send, args.client_seed)
                else "corrupt")
            s.sendall(pattern(args.reply, args.server_seed))
            if args.ragged:
                # Close the TCP connection without close_notify (Python's
                # close() sends none).
                s.close()
                say(i, "closed", "ragged")
                continue
            # The client closes: a clean close_notify reads as b''.
            try:
                rest = s.recv(1)
                say(i, "eof", "clean" if rest == b"" else "data")
                raw = s.unwrap()
                say(i, "closed", "clean")
                if args.stoptls:
                    plain_exchange(i, raw, server=True)
            except (ssl.SSLError, OSError) as e:
                failure(i, "close-error", e)
        finally:
            s.close()
    lsock.close()
    say("done")


def connect(args):
    ctx = make_context(args, server=False)
    session = None
    for i in range(args.connections):
        raw = socket.create_connection(("127.0.0.1", args.port), timeout=10)
        s = ctx.wrap_socket(raw, server_hostname=args.hostname, do_handshake_on_connect=False,
                            session=session if args.resume else None,
                            suppress_ragged_eofs=False)
        try:
            try:
                s.do_handshake()
            except (ssl.SSLError, OSError) as e:
                failure(i, "handshake-error", e)
                continue
            report(i, s, args)
            try:
                s.sendall(pattern(args.send, args.client_seed))
                data = recv_exact(s, args.reply)
            except (ssl.SSLError, OSError) as e:
                failure(i, "read-error", e)
                continue
            say(i, "received", len(data), "ok" if data == pattern(args.reply, args.server_seed)
                else "corrupt")
            session = s.session
            say(i, "has-ticket", session.has_ticket if session else None)
            if args.ragged:
                # The server closes without close_notify: what do we see?
                try:
                    rest = s.recv(1)
                    say(i, "eof", "clean" if rest == b"" else "data")
                except (ssl.SSLError, OSError) as e:
                    failure(i, "eof-error", e)
                    say(i, "eof-message", str(e))
                continue
            try:
                raw = s.unwrap()
                say(i, "closed", "clean")
                if args.stoptls:
                    plain_exchange(i, raw, server=False)
            except (ssl.SSLError, OSError) as e:
                failure(i, "close-error", e)
        finally:
            s.close()
    say("done")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["server", "client"])
    ap.add_argument("--port", type=int)
    ap.add_argument("--hostname", default="localhost")
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--cafile")
    ap.add_argument("--require-cert", action="store_true")
    ap.add_argument("--tls", choices=sorted(VERSIONS))
    ap.add_argument("--alpn")
    ap.add_argument("--connections", type=int, default=1)
    ap.add_argument("--resume", action="store_true")
    ap.add_argument("--stoptls", action="store_true",
                    help="after the closing handshake, exchange a plaintext line")
    ap.add_argument("--ragged", action="store_true",
                    help="the server closes without close_notify")
    ap.add_argument("--send", type=int, default=0)
    ap.add_argument("--reply", type=int, default=0)
    ap.add_argument("--client-seed", type=int, default=1)
    ap.add_argument("--server-seed", type=int, default=2)
    args = ap.parse_args()
    if args.mode == "server":
        serve(args)
    else:
        connect(args)


if __name__ == "__main__":
    sys.exit(main())
