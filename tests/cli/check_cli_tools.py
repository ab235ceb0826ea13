"""CLI tests for `cssl mkcert`, `cssl cert`, `cssl ciphers`, `cssl client`.

Peers are real: `openssl s_server` and a Python ssl server in a thread.
Python's ssl module is also the oracle for decoding and cipher lists.
Every child process is waited for; readiness is read from the peer's
output, never guessed with sleeps.
"""
import json
import os
import socket
import ssl
import subprocess
import sys
import tempfile
import threading

CLI = os.environ["CSSL_CLI"]
FIX = os.environ["CSSL_FIXTURES"]
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def cssl(*args, stdin=None, timeout=30):
    return subprocess.run([CLI, *args], input=stdin, capture_output=True, timeout=timeout)


def as_lists(v):
    if isinstance(v, (tuple, list)):
        return [as_lists(x) for x in v]
    if isinstance(v, dict):
        return {k: as_lists(x) for k, x in v.items()}
    return v


def test_mkcert_and_cert(tmp):
    r = cssl("mkcert", "--dir", tmp, "example.test", "127.0.0.1", "::1")
    check(r.returncode == 0, "mkcert exit 0: %r" % r.stderr)
    check(b"created a local CA" in r.stderr, "mkcert announces the new CA")
    for name in ("ca.pem", "ca.key", "example.test.pem", "example.test.key"):
        check(os.path.exists(os.path.join(tmp, name)), "mkcert wrote " + name)
    check(os.stat(os.path.join(tmp, "ca.key")).st_mode & 0o077 == 0, "CA key is private")
    # A second leaf reuses the CA; a client certificate; RSA.
    r = cssl("mkcert", "--dir", tmp, "--client", "--key-type", "rsa", "alice")
    check(r.returncode == 0 and b"created" not in r.stderr, "second mkcert reuses the CA")
    for leaf in ("example.test.pem", "alice.pem"):
        v = subprocess.run(["openssl", "verify", "-x509_strict", "-CAfile",
                            os.path.join(tmp, "ca.pem"), os.path.join(tmp, leaf)],
                           capture_output=True)
        check(v.returncode == 0, "openssl verifies " + leaf + ": " + v.stdout.decode())
    # cert FILE --json equals Python's decoder, field by field.
    path = os.path.join(tmp, "example.test.pem")
    r = cssl("cert", "--json", path)
    check(r.returncode == 0, "cert --json exit 0")
    mine = json.loads(r.stdout)
    theirs = as_lists(ssl._ssl._test_decode_cert(path))
    check(mine == theirs, "cert --json == _test_decode_cert: %r vs %r" % (mine, theirs))
    check(mine["subjectAltName"] == [["DNS", "example.test"], ["IP Address", "127.0.0.1"],
                                     ["IP Address", "0:0:0:0:0:0:0:1"]], "SANs of mkcert")
    r = cssl("cert", "--pem", path)
    check(r.stdout.decode() == open(path).read(), "cert --pem round-trips the file")
    r = cssl("cert", path)
    check(b"subjectAltName        DNS:example.test" in r.stdout, "cert text form")
    # Bad input.
    r = cssl("cert", os.path.join(tmp, "missing.pem"))
    check(r.returncode == 1 and b"[Errno 2] No such file or directory" in r.stderr,
          "cert on a missing file: %r" % r.stderr)
    r = cssl("cert", "--json", "--pem", path)
    check(r.returncode == 2, "cert --json --pem is a usage error")
    r = cssl("mkcert", "--key-type", "dsa", "x")
    check(r.returncode == 2 and b"unknown --key-type 'dsa'" in r.stderr, "mkcert bad key type")
    r = cssl("mkcert")
    check(r.returncode == 2, "mkcert without names")


def test_ciphers():
    for args, proto in (([], ssl.PROTOCOL_TLS_CLIENT), (["--server"], ssl.PROTOCOL_TLS_SERVER)):
        r = cssl("ciphers", "--json", *args)
        check(r.returncode == 0, "ciphers exit 0")
        ctx = ssl.SSLContext(proto)
        check(json.loads(r.stdout) == ctx.get_ciphers(), "ciphers --json == get_ciphers()")
    r = cssl("ciphers", "--json", "--ciphers", "ECDHE+AESGCM")
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.set_ciphers("ECDHE+AESGCM")
    check(json.loads(r.stdout) == ctx.get_ciphers(), "ciphers after set_ciphers")
    r = cssl("ciphers", "--ciphers", "nothing-at-all")
    check(r.returncode == 1 and r.stderr == b"cssl ciphers: No cipher can be selected.\n",
          "ciphers selecting nothing: %r" % r.stderr)
    r = cssl("ciphers", "--bogus")
    check(r.returncode == 2, "ciphers bad flag exit 2")


class PythonServer:
    """A Python ssl server in a thread: records what it saw, echoes once."""

    def __init__(self, ctx, connections=1):
        self.ctx = ctx
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(60)  # a client that never comes must not hang the test
        self.port = self.sock.getsockname()[1]
        self.seen = []
        self.thread = threading.Thread(target=self.run, args=(connections,), daemon=True)
        self.thread.start()

    def run(self, n):
        for _ in range(n):
            try:
                conn, _ = self.sock.accept()
            except OSError as e:
                self.seen.append({"error": "accept: %s" % e})
                break
            try:
                with self.ctx.wrap_socket(conn, server_side=True) as s:
                    data = s.recv(1024)
                    self.seen.append({"version": s.version(), "cipher": s.cipher()[0],
                                      "alpn": s.selected_alpn_protocol(),
                                      "reused": s.session_reused, "data": data})
                    s.sendall(b"echo: " + data)
                    s.unwrap()
            except (ssl.SSLError, OSError) as e:
                self.seen.append({"error": str(e)})
        self.sock.close()

    def join(self):
        self.thread.join(30)


def server_ctx():
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(os.path.join(FIX, "server.pem"), os.path.join(FIX, "server.key"))
    ctx.set_alpn_protocols(["h2", "http/1.1"])
    return ctx


def test_client_against_python(tmp):
    srv = PythonServer(server_ctx(), connections=2)
    sess = os.path.join(tmp, "session.der")
    r = cssl("client", "--cafile", os.path.join(FIX, "ca.pem"), "--alpn", "http/1.1",
             "--sess-out", sess, "localhost:%d" % srv.port, stdin=b"hello")
    check(r.returncode == 0, "client exit 0: %r" % r.stderr)
    check(r.stdout == b"echo: hello", "client relays the peer's data: %r" % r.stdout)
    check(b"TLSv1.3, TLS_AES_256_GCM_SHA384 (256-bit), ALPN http/1.1, full handshake"
          in r.stderr, "client report: %r" % r.stderr)
    r = cssl("client", "--cafile", os.path.join(FIX, "ca.pem"), "--sess-in", sess, "--json",
             "localhost:%d" % srv.port, stdin=b"again")
    report = json.loads(r.stdout.split(b"\n", 1)[0])
    check(report["session_reused"] is True, "client resumes with --sess-in")
    srv.join()
    check([s.get("data") for s in srv.seen] == [b"hello", b"again"], "server got the data")
    check([s.get("reused") for s in srv.seen] == [False, True], "Python saw the resumption")
    check(srv.seen[0].get("alpn") == "http/1.1", "Python agreed ALPN http/1.1")
    check(report["version"] == srv.seen[1]["version"] and
          report["cipher"] == srv.seen[1]["cipher"], "client and Python agree on the cipher")


def test_client_verification(tmp):
    # Untrusted (default system CAs do not know our test CA): exit 1, Python's text.
    srv = PythonServer(server_ctx(), connections=3)
    r = cssl("client", "--handshake-only", "localhost:%d" % srv.port)
    check(r.returncode == 1, "unverified server: exit 1")
    check(b"[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get local "
          b"issuer certificate (" in r.stderr, "verify failure text: %r" % r.stderr)
    # Wrong name.
    r = cssl("client", "--handshake-only", "--cafile", os.path.join(FIX, "ca.pem"),
             "--servername", "example.org", "127.0.0.1:%d" % srv.port)
    check(r.returncode == 1 and b"Hostname mismatch, certificate is not valid for "
          b"'example.org'." in r.stderr, "hostname mismatch text: %r" % r.stderr)
    # --insecure connects, and says so loudly.
    r = cssl("client", "--insecure", "--handshake-only", "localhost:%d" % srv.port)
    check(r.returncode == 0 and b"WARNING: --insecure" in r.stderr, "insecure warns")
    srv.join()


def test_client_against_openssl(tmp):
    ca = os.path.join(FIX, "ca.pem")
    p = subprocess.Popen(["openssl", "s_server", "-accept", "127.0.0.1:0", "-naccept", "1",
                          "-cert", os.path.join(FIX, "server.pem"), "-key",
                          os.path.join(FIX, "server.key"), "-tls1_2", "-rev"],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        port = None
        for line in p.stdout:  # "ACCEPT" comes after the listening socket is bound
            if line.startswith(b"ACCEPT"):
                break
        # s_server with port 0 does not print it; find it from /proc.
        port = listening_port(p.pid)
        r = cssl("client", "--cafile", ca, "--max-version", "1.2",
                 "localhost:%d" % port, stdin=b"hello\n")
        check(r.returncode == 0, "client vs s_server exit 0: %r" % r.stderr)
        check(b"TLSv1.2" in r.stderr, "TLS 1.2 negotiated with -tls1_2")
        check(r.stdout.startswith(b"olleh"), "s_server -rev reversed our line: %r" % r.stdout)
    finally:
        p.kill()
        p.wait()


def listening_port(pid):
    inodes = set()
    fd_dir = "/proc/%d/fd" % pid
    for fd in os.listdir(fd_dir):
        try:
            target = os.readlink(os.path.join(fd_dir, fd))
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


def test_usage():
    r = cssl("client")
    check(r.returncode == 2 and b"expected one HOST:PORT argument" in r.stderr, "client usage")
    r = cssl("client", "nonsense")
    check(r.returncode == 2 and b"bad address 'nonsense'" in r.stderr, "client bad address")
    r = cssl("client", "--min-version", "1.1", "localhost:1")
    check(r.returncode == 2 and b"unknown TLS version '1.1'" in r.stderr, "client bad version")
    # A closed port: exit 1 with the OS error.
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    r = cssl("client", "127.0.0.1:%d" % port)
    check(r.returncode == 1 and b"[Errno 111] Connection refused" in r.stderr, "refused")
    for cmd in ("demo", "client", "server", "cert", "mkcert", "ciphers"):
        r = cssl(cmd, "--help")
        check(r.returncode == 0 and r.stdout.startswith(b"usage: cssl " + cmd.encode()),
              cmd + " --help")
    r = cssl("frobnicate")
    check(r.returncode == 2, "unknown command exit 2")


with tempfile.TemporaryDirectory() as tmp:
    test_mkcert_and_cert(tmp)
    test_ciphers()
    test_client_against_python(tmp)
    test_client_verification(tmp)
    test_client_against_openssl(tmp)
    test_usage()

if failures:
    print("%d failure(s)" % len(failures))
    sys.exit(1)
print("ok: mkcert, cert, ciphers, client against Python and openssl s_server")
