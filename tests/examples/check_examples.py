"""Run the programs of examples/ as a user would, against real peers.

- https_get: against `openssl s_server -www` (TLS 1.3) and a Python HTTPS
  server (TLS 1.2, by name and by IP address); verification failures.
- echo_server_poll: 40 TLS clients connected at once (all handshakes done
  before any data), interleaved messages, a 1 MiB echo that needs
  back-pressure, `cssl client` as one more client, a plaintext client
  that gets an error logged, then SIGTERM and a clean exit.
- memory_bio_loop: with certificates made by `cssl mkcert`.
- keylog: through a recording relay to `openssl s_server -keylogfile`:
  its key log must equal the server's, for TLS 1.3 and TLS 1.2 (append
  mode, one header), and the tshark command it prints must decrypt a
  capture of the connection (written by the relay) when tshark exists.

Readiness is read from each peer's output; every child is reaped.
"""
import os
import re
import select
import selectors
import shlex
import signal
import socket
import ssl
import struct
import subprocess
import sys
import tempfile
import threading
import http.server

BUILD = os.environ["CSSL_BUILD_DIR"]
FIX = os.environ["CSSL_FIXTURES"]
CLI = os.environ["CSSL_CLI"]
EXAMPLES = os.path.join(BUILD, "examples")
CA = os.path.join(FIX, "ca.pem")
CERT = os.path.join(FIX, "server.pem")
KEY = os.path.join(FIX, "server.key")
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)
    return cond


def example(name):
    return os.path.join(EXAMPLES, name)


def run(*args, timeout=60, **kw):
    return subprocess.run(args, capture_output=True, timeout=timeout, text=True, **kw)


def listening_port(pid):
    """The TCP port process pid listens on (s_server does not print it)."""
    inodes = set()
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            target = os.readlink("/proc/%d/fd/%s" % (pid, fd))
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in open(table).read().splitlines()[1:]:
            f = line.split()
            if f[9] in inodes and f[3] == "0A":  # LISTEN
                return int(f[1].split(":")[1], 16)
    raise RuntimeError("no listening socket for pid %d" % pid)


class SServer:
    """openssl s_server -www; ready once it printed ACCEPT."""

    def __init__(self, *extra, naccept=1):
        self.p = subprocess.Popen(
            ["openssl", "s_server", "-accept", "127.0.0.1:0", "-naccept", str(naccept),
             "-www", "-cert", CERT, "-key", KEY, *extra],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        for line in self.p.stdout:
            if line.startswith(b"ACCEPT"):
                break
        self.port = listening_port(self.p.pid)

    def close(self):
        self.p.kill()
        self.p.wait()
        self.p.stdout.close()


# ---------------------------------------------------------------- https_get

class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    seen = []

    def do_GET(self):
        Handler.seen.append((self.requestline, self.headers.get("Host")))
        body = b"hello from python\n"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def python_https_server(address):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(CERT, KEY)
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    srv = http.server.ThreadingHTTPServer((address, 0), Handler)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    return srv, t


def test_https_get():
    s = SServer()
    try:
        r = run(example("https_get"), "localhost", str(s.port), "/", "--cafile", CA)
    finally:
        s.close()
    check(r.returncode == 0, "https_get vs s_server: exit 0: %r" % r.stderr)
    check("connected: TLSv1.3, TLS_AES_256_GCM_SHA384 (256 bits)\n" in r.stdout,
          "https_get reports TLS 1.3: %r" % r.stdout)
    check("subject: countryName=XY, organizationName=cssl tests, commonName=localhost\n"
          in r.stdout, "https_get prints the peer subject: %r" % r.stdout)
    check("status: HTTP/1.0 200 ok\n" in r.stdout, "s_server's status line: %r" % r.stdout)

    srv, t = python_https_server("127.0.0.1")
    try:
        port = str(srv.server_address[1])
        r1 = run(example("https_get"), "localhost", port, "/some/path", "--cafile", CA)
        r2 = run(example("https_get"), "127.0.0.1", port, "/by-ip", "--cafile", CA)
        r3 = run(example("https_get"), "localhost", port, "/")
    finally:
        srv.shutdown()
        srv.server_close()
        t.join()
    for r in (r1, r2):
        check(r.returncode == 0, "https_get vs Python: exit 0: %r" % r.stderr)
        check("connected: TLSv1.2, ECDHE-RSA-AES256-GCM-SHA384 (256 bits)" in r.stdout,
              "https_get vs Python: TLS 1.2: %r" % r.stdout)
        check("status: HTTP/1.1 200 OK\n" in r.stdout, "Python's status line: %r" % r.stdout)
    check(Handler.seen == [("GET /some/path HTTP/1.1", "localhost"),
                           ("GET /by-ip HTTP/1.1", "127.0.0.1")],
          "the server got our requests: %r" % Handler.seen)
    # The system trust store does not know the test CA.
    check(r3.returncode == 1, "https_get with an unknown CA: exit 1")
    check("https_get: handshake: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: "
          "unable to get local issuer certificate (" in r3.stderr and
          "verify code 20: unable to get local issuer certificate" in r3.stderr,
          "https_get reports the verify failure: %r" % r3.stderr)

    # An address the certificate does not name: Python's mismatch text.
    try:
        srv, t = python_https_server("127.0.0.2")
    except OSError as e:
        print("skip: IP mismatch case (cannot bind 127.0.0.2: %s)" % e)
        return
    try:
        r = run(example("https_get"), "127.0.0.2", str(srv.server_address[1]), "/",
                "--cafile", CA)
    finally:
        srv.shutdown()
        srv.server_close()
        t.join()
    check(r.returncode == 1 and "certificate verify failed: IP address mismatch, certificate "
          "is not valid for '127.0.0.2'. (" in r.stderr and "verify code 64" in r.stderr,
          "https_get IP mismatch: %r" % r.stderr)


# --------------------------------------------------------- echo_server_poll

def client_ctx():
    ctx = ssl.create_default_context(cafile=CA)
    return ctx


def recv_exactly(s, n):
    data = b""
    while len(data) < n:
        chunk = s.recv(min(65536, n - len(data)))
        if not chunk:
            break
        data += chunk
    return data


def test_echo_server():
    p = subprocess.Popen([example("echo_server_poll"), CERT, KEY, "0"],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines = []
    try:
        first = p.stdout.readline()
        m = re.match(r"listening on 127\.0\.0\.1:(\d+)$", first.strip())
        if not check(m is not None, "echo_server_poll ready line: %r" % first):
            return
        port = int(m.group(1))
        reader = threading.Thread(target=lambda: lines.extend(p.stdout), daemon=True)
        reader.start()
        echo_clients(port)
        # `cssl client`: stdin to the server, the echo to stdout. Its stdin
        # is closed only once the echo is back: at EOF it sends close_notify
        # (cssl_conn_unwrap), which fails if data is still on its way.
        c = subprocess.Popen([CLI, "client", "--quiet", "--cafile", CA, "localhost:%d" % port],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        try:
            c.stdin.write("hello from cssl client\n")
            c.stdin.flush()
            echo = c.stdout.readline()
            c.stdin.close()
            rest = c.stdout.read()
            err = c.stderr.read()
            c.wait(timeout=30)
        finally:
            if c.poll() is None:
                c.kill()
                c.wait()
        check(c.returncode == 0 and echo + rest == "hello from cssl client\n",
              "cssl client through echo_server_poll: %r %r" % (echo + rest, err))
        # Plaintext HTTP at a TLS port: an error line, and the server lives on.
        with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
            s.sendall(b"GET / HTTP/1.0\r\n\r\n")
            try:
                s.recv(100)  # the server's alert, or a reset: it closed on us
            except ConnectionResetError:
                pass
        tcp = socket.create_connection(("127.0.0.1", port), timeout=30)
        with client_ctx().wrap_socket(tcp, server_hostname="localhost") as s:
            s.sendall(b"still alive?")
            check(recv_exactly(s, 12) == b"still alive?", "served after a bad client")
            s.unwrap()  # returns once the server has answered our close_notify
        p.send_signal(signal.SIGTERM)
        rc = p.wait(timeout=30)
        reader.join()
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
        p.stdout.close()
    out = "".join(lines)
    check(rc == 0, "echo_server_poll exits 0 on SIGTERM (%r): %s" % (rc, out[-300:]))
    handshakes = len(re.findall(r"^127\.0\.0\.1:\d+: TLSv1\.3 TLS_AES_256_GCM_SHA384$", out, re.M))
    check(handshakes == 42, "42 handshakes logged, got %d" % handshakes)
    check(re.search(r"^127\.0\.0\.1:\d+: \[SSL: HTTP_REQUEST\] http request \(", out, re.M),
          "the plaintext client's error is logged: %r" % out[-500:])
    first = sum(len(("client 0 message %d " % k).encode()) * (k * 50 + 1) for k in range(3))
    check(re.search(r"^127\.0\.0\.1:\d+: closed after echoing %d bytes$" % (first + (1 << 20)),
                    out, re.M), "the 1 MiB echo completed")
    check("stopped by signal 15: served 43 connections, 0 still open\n" in out,
          "final line: %r" % out[-200:])


def echo_interleaved(s, data):
    """Send data while reading its echo, on one thread: an SSLSocket (one
    OpenSSL SSL object) must not be read and written from two threads at
    once. Both directions fill up, so the server meets back-pressure."""
    s.setblocking(False)
    sent, got = 0, bytearray()
    want = (ssl.SSLWantReadError, ssl.SSLWantWriteError)
    while len(got) < len(data):
        moved = False
        if sent < len(data):
            try:
                sent += s.send(data[sent:sent + 65536])
                moved = True
            except want:
                pass
        try:
            chunk = s.recv(65536)
            if not chunk:
                break
            got += chunk
            moved = True
        except want:
            pass
        if not moved:
            r, w, _ = select.select([s], [s] if sent < len(data) else [], [], 30)
            if not r and not w:
                break  # 30 s without progress: the comparison fails
    s.setblocking(True)
    return bytes(got)


def echo_clients(port, count=40):
    """count clients connected at once; each echoes 3 distinct messages."""
    ready = threading.Barrier(count)
    results = [None] * count

    def one(i):
        try:
            tcp = socket.create_connection(("127.0.0.1", port), timeout=30)
            with client_ctx().wrap_socket(tcp, server_hostname="localhost") as s:
                ready.wait(timeout=60)  # every handshake is done: all open at once
                got = []
                for k in range(3):
                    msg = ("client %d message %d " % (i, k)).encode() * (k * 50 + 1)
                    s.sendall(msg)
                    got.append(recv_exactly(s, len(msg)) == msg)
                if i == 0:  # 1 MiB while reading concurrently: back-pressure
                    big = os.urandom(1 << 20)
                    got.append(echo_interleaved(s, big) == big)
                s.unwrap()
                results[i] = all(got)
        except Exception as e:  # noqa: BLE001 - reported as a failure
            results[i] = repr(e)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    bad = [(i, r) for i, r in enumerate(results) if r is not True]
    check(not bad, "every echo client got its bytes back: %r" % bad[:5])


# ---------------------------------------------------------- memory_bio_loop

def test_memory_bio_loop(tmp):
    pki = os.path.join(tmp, "pki")
    os.mkdir(pki)
    r = run(CLI, "mkcert", "--dir", pki, "localhost")
    if not check(r.returncode == 0, "cssl mkcert: %r" % r.stderr):
        return
    r = run(example("memory_bio_loop"), os.path.join(pki, "localhost.pem"),
            os.path.join(pki, "localhost.key"), os.path.join(pki, "ca.pem"))
    check(r.returncode == 0, "memory_bio_loop exit 0: %r" % (r.stdout + r.stderr))
    parts = r.stdout.split("== connection ")
    if not check(len(parts) == 4, "three connections: %r" % r.stdout):
        return
    full, resumed, truncated = parts[1:]
    for text in (full, resumed):
        check("server: received hello over memory BIOs\n" in text and
              "client: received hello over memory BIOs\n" in text and
              "server: received the end (close_notify)\n" in text, "data and close: %r" % text)
    check("client: TLSv1.3 TLS_AES_256_GCM_SHA384, ALPN h2, server commonName=localhost "
          "verified, session reused: no\n" in full, "first connection: %r" % full)
    check("session: has ticket: yes\n" in full, "the session has a ticket")
    check("session reused: yes\n" in resumed, "second connection resumed: %r" % resumed)
    check(re.search(r"^  client -> server EOF\nserver: \[SSL: UNEXPECTED_EOF_WHILE_READING\] "
                    r"EOF occurred in violation of protocol \(conn_io\.c:\d+\)$", truncated,
                    re.M), "EOF without close_notify is CSSL_EEOF: %r" % truncated)
    # The full handshake's flights: ClientHello, the server's flight, the
    # client's Finished (+ data) — the server answers only after it.
    flights = re.findall(r"^  (client|server) -> (?:client|server) +\d+ bytes$", full, re.M)
    check(flights[:3] == ["client", "server", "client"], "handshake flights: %r" % flights)


# ------------------------------------------------------------------- keylog

class Relay:
    """A TCP relay in a thread that records both directions, to write a
    capture (pcap) of the client's connection without capture rights."""

    def __init__(self, upstream_port):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.upstream = upstream_port
        self.records = []  # (from_client, bytes)
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        client, addr = self.listener.accept()
        self.client_port = addr[1]
        server = socket.create_connection(("127.0.0.1", self.upstream))
        sel = selectors.DefaultSelector()
        sel.register(client, selectors.EVENT_READ, (client, server, True))
        sel.register(server, selectors.EVENT_READ, (server, client, False))
        open_ends = 2
        while open_ends:
            for key, _ in sel.select():
                src, dst, from_client = key.data
                data = src.recv(65536)
                if data:
                    self.records.append((from_client, data))
                    dst.sendall(data)
                else:
                    sel.unregister(src)
                    dst.shutdown(socket.SHUT_WR)
                    open_ends -= 1
        client.close()
        server.close()
        self.listener.close()

    def join(self):
        self.thread.join(60)

    def write_pcap(self, path):
        """Ethernet/IPv4/TCP frames for the recorded stream."""
        lo = socket.inet_aton("127.0.0.1")
        cport, sport = self.client_port, self.port
        seq = {True: 1000, False: 5000}

        def ip_checksum(hdr):
            s = sum(struct.unpack("!10H", hdr))
            s = (s >> 16) + (s & 0xFFFF)
            return ~(s + (s >> 16)) & 0xFFFF

        def frame(from_client, flags, payload=b""):
            src, dst = (cport, sport) if from_client else (sport, cport)
            tcp = struct.pack("!HHIIBBHHH", src, dst, seq[from_client], seq[not from_client],
                              5 << 4, flags, 65535, 0, 0)
            ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp) + len(payload), 0,
                             0x4000, 64, 6, 0, lo, lo)
            ip = ip[:10] + struct.pack("!H", ip_checksum(ip)) + ip[12:]
            seq[from_client] += len(payload) + (1 if flags & 0x03 else 0)
            return b"\0" * 12 + b"\x08\x00" + ip + tcp + payload

        frames = [frame(True, 0x02), frame(False, 0x12)]  # SYN, SYN-ACK
        frames.append(frame(True, 0x10))
        for from_client, data in self.records:
            for i in range(0, len(data), 60000):
                frames.append(frame(from_client, 0x18, data[i:i + 60000]))
        frames.append(frame(True, 0x11))
        frames.append(frame(False, 0x11))
        with open(path, "wb") as f:
            f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
            for n, fr in enumerate(frames):
                f.write(struct.pack("<IIII", 1700000000, n, len(fr), len(fr)) + fr)


def secrets(path):
    return [l for l in open(path).read().splitlines() if l and not l.startswith("#")]


def keylog_run(tmp, keys, server_keys, *server_flags):
    s = SServer("-keylogfile", server_keys, *server_flags)
    relay = Relay(s.port)
    try:
        r = run(example("keylog"), "localhost", str(relay.port), keys, "--cafile", CA)
        relay.join()
    finally:
        s.close()
    return r, relay


def test_keylog(tmp):
    keys = os.path.join(tmp, "keys.log")
    r, relay = keylog_run(tmp, keys, os.path.join(tmp, "server13.log"))
    check(r.returncode == 0, "keylog exit 0: %r" % r.stderr)
    check("response: HTTP/1.0 200 ok\n" in r.stdout, "keylog got the page: %r" % r.stdout)
    check("5 secret lines in %s\n" % keys in r.stdout, "five TLS 1.3 secrets: %r" % r.stdout)
    mine = secrets(keys)
    labels = sorted(l.split()[0] for l in mine)
    check(labels == ["CLIENT_HANDSHAKE_TRAFFIC_SECRET", "CLIENT_TRAFFIC_SECRET_0",
                     "EXPORTER_SECRET", "SERVER_HANDSHAKE_TRAFFIC_SECRET",
                     "SERVER_TRAFFIC_SECRET_0"], "TLS 1.3 labels: %r" % labels)
    check(sorted(mine) == sorted(secrets(os.path.join(tmp, "server13.log"))),
          "the client's secrets are the server's")
    check(open(keys).readline() == "# TLS secrets log file, generated by OpenSSL / cssl\n",
          "key log header")

    # The command the example printed decrypts a capture of the connection.
    cmd = [l.strip() for l in r.stdout.splitlines() if l.strip().startswith("tshark ")]
    if check(len(cmd) == 1, "keylog prints one tshark command: %r" % r.stdout):
        check_tshark(tmp, cmd[0], relay, keys)

    # TLS 1.2, same file: appended, one CLIENT_RANDOM line, no second header.
    r, _ = keylog_run(tmp, keys, os.path.join(tmp, "server12.log"), "-tls1_2")
    check(r.returncode == 0 and "TLSv1.2: " in r.stdout, "keylog over TLS 1.2: %r" % r.stdout)
    added = secrets(keys)[5:]
    check(len(added) == 1 and added[0].startswith("CLIENT_RANDOM "),
          "TLS 1.2 adds one CLIENT_RANDOM line: %r" % added)
    check(added == secrets(os.path.join(tmp, "server12.log")), "TLS 1.2 secret is the server's")
    check(sum(l.startswith("#") for l in open(keys)) == 1, "one header in an appended file")


def require_program(program, package):
    """tests/require_program.sh: installs the package when missing (as
    root); False, with the SKIP line it printed, when it cannot."""
    script = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                          "require_program.sh")
    r = subprocess.run(["sh", script, program, package], capture_output=True, text=True)
    if r.returncode != 0:
        print(r.stdout.strip() or "SKIP: %s is missing" % program)
    return r.returncode == 0


def check_tshark(tmp, command, relay, keys):
    if not require_program("tshark", "tshark"):
        print("SKIP (part): the capture is not decrypted")
        return
    pcap = os.path.join(tmp, "tls.pcap")
    relay.write_pcap(pcap)
    argv = [pcap if a == "/tmp/tls.pcapng" else a for a in shlex.split(command)]
    check(pcap in argv, "the command reads /tmp/tls.pcapng: %r" % command)
    env = dict(os.environ, HOME=tmp)  # no user preferences
    fields = ["-T", "fields", "-e", "http.request.method", "-e", "http.request.uri"]
    r = run(*argv, *fields, env=env)
    check(r.returncode == 0 and r.stdout == "GET\t/\n",
          "tshark decrypts the GET with the key log: %r %r" % (r.stdout, r.stderr[-300:]))
    without = [a for a in argv if not a.startswith("tls.keylog_file:")]
    without.remove("-o")
    r = run(*without, *fields, env=env)
    check(r.returncode == 0 and r.stdout.strip() == "",
          "without the key log tshark sees no HTTP: %r" % r.stdout)


class Deadline:
    """Fail a section that takes too long instead of hanging: SIGALRM
    raises in the main thread, and the section's finally blocks reap."""

    def __init__(self, seconds):
        self.seconds = seconds

    def __enter__(self):
        def expired(signum, frame):
            raise TimeoutError("section took over %d s" % self.seconds)
        signal.signal(signal.SIGALRM, expired)
        signal.alarm(self.seconds)

    def __exit__(self, *exc):
        signal.alarm(0)


def section(name, fn, *args):
    try:
        with Deadline(90):
            fn(*args)
    except TimeoutError as e:
        check(False, "%s: %s" % (name, e))


def main():
    for name in ("https_get", "echo_server_poll", "memory_bio_loop", "keylog", "version"):
        if not os.access(example(name), os.X_OK):
            print("FAIL: example %s was not built" % name)
            sys.exit(1)
    r = run(example("version"))
    check(r.returncode == 0 and r.stdout.startswith("cssl 0.1.0 on OpenSSL 3"), "version")
    with tempfile.TemporaryDirectory() as tmp:
        section("https_get", test_https_get)
        section("echo_server_poll", test_echo_server)
        section("memory_bio_loop", test_memory_bio_loop, tmp)
        section("keylog", test_keylog, tmp)
    if failures:
        print("%d failure(s)" % len(failures))
        sys.exit(1)
    print("ok: https_get, echo_server_poll, memory_bio_loop, keylog, version")


main()
