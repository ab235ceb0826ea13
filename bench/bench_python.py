#!/usr/bin/env python3
"""bench_python.py - cssl_bench's workloads with Python's ssl module.

The same certificates (written by `cssl_bench --write-pki DIR`), the same
contexts (PROTOCOL_TLS_CLIENT / PROTOCOL_TLS_SERVER with Python's defaults,
which cssl copies), the same work per operation: a client and a server in
this thread over two crossed ssl.MemoryBIOs (or a socketpair), each
handshake a new pair, bulk = one 16 KiB write read whole by the server.

  bench_python.py --pki DIR [--quick] [--rounds N] [--ms MS] [--only W,...]
      prints the table for Python alone
  bench_python.py --pki DIR --serve
      for cssl_bench --python: one command per line on stdin, one answer
      per line on stdout, so that its rounds interleave with cssl's and
      OpenSSL's (hello | setup W | measure W MS | teardown W | idle N |
      default_context R | quit)
  bench_python.py --pki DIR --iterations W|default_context N   (for callgrind)
  bench_python.py --pki DIR --idle N             (RSS per idle pair)

Python's ssl cannot choose TLS 1.3 cipher suites (there is no
set_ciphersuites); for the bulk workloads the suite is set on the
context's SSL_CTX through ctypes, and checked after the handshake.
"""
import argparse
import ctypes
import ctypes.util
import gc
import mmap
import os
import socket
import ssl
import statistics
import subprocess
import sys
import time

BULK = 16384
HOST = "localhost"
WORKLOADS = ["hs13_ecdsa", "hs13_rsa", "resume13", "hs12", "resume12",
             "bulk_aes_mem", "bulk_chacha_mem", "bulk_aes_sock", "bulk_chacha_sock"]


def suite_of(w):
    if "chacha" in w:
        return "TLS_CHACHA20_POLY1305_SHA256"
    if "aes" in w:
        return "TLS_AES_128_GCM_SHA256"
    return None


_libssl = None


def set_ciphersuites(ctx, suites):
    """SSL_CTX_set_ciphersuites on the SSL_CTX behind ctx (CPython's
    PySSLContext starts with PyObject_HEAD and the SSL_CTX pointer)."""
    global _libssl
    if _libssl is None:
        # The libssl that _ssl is linked against: already in the process.
        name = None
        with open("/proc/self/maps") as maps:
            for line in maps:
                if "libssl.so" in line:
                    name = line.split()[-1]
                    break
        _libssl = ctypes.CDLL(name or ctypes.util.find_library("ssl"))
        _libssl.SSL_CTX_set_ciphersuites.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
    ptr = ctypes.c_void_p.from_address(id(ctx) + object.__basicsize__).value
    if _libssl.SSL_CTX_set_ciphersuites(ptr, suites.encode()) != 1:
        raise RuntimeError("SSL_CTX_set_ciphersuites failed")


def handshake(c, s):
    """Client step, server step, until both are done."""
    for _ in range(64):
        done = 0
        for side in (c, s):
            try:
                side.do_handshake()
                done += 1
            except ssl.SSLWantReadError:
                pass
        if done == 2:
            return
    raise RuntimeError("handshake made no progress")


class Workload:
    def __init__(self, pki, w):
        self.w = w
        self.resume = w.startswith("resume")
        self.bulk = w.startswith("bulk_")
        self.sock = w.endswith("_sock")
        rsa = w == "hs13_rsa"
        self.cctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        self.cctx.load_verify_locations(cafile=os.path.join(pki, "ca.pem"))
        self.sctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        kind = "rsa" if rsa else "ecdsa"
        self.sctx.load_cert_chain(os.path.join(pki, kind + ".pem"),
                                  os.path.join(pki, kind + ".key"))
        if w in ("hs12", "resume12"):
            self.cctx.maximum_version = ssl.TLSVersion.TLSv1_2
        suite = suite_of(w)
        if suite:
            set_ciphersuites(self.cctx, suite)
            set_ciphersuites(self.sctx, suite)
        self.session = None
        self.socks = None
        self.c = self.s = None
        # Page-aligned buffers, as cssl_bench's (see bench_buffer()).
        self.buf = memoryview(mmap.mmap(-1, BULK))
        self.rview = memoryview(mmap.mmap(-1, BULK))
        if self.sock:
            self.socks = socket.socketpair()
            for sk in self.socks:
                sk.setblocking(False)
        if self.resume or self.bulk:
            self.c, self.s = self.pair()
            handshake(self.c, self.s)
            read_tickets(self.c)
            self.session = self.c.session
            if suite and self.c.cipher()[0] != suite:
                raise RuntimeError("negotiated %s, not %s" % (self.c.cipher()[0], suite))
            if self.resume:
                self.c = self.s = None

    def pair(self, session=None):
        if self.sock:
            c = self.cctx.wrap_socket(self.socks[0], server_hostname=HOST, session=session,
                                      do_handshake_on_connect=False)
            s = self.sctx.wrap_socket(self.socks[1], server_side=True,
                                      do_handshake_on_connect=False)
            return c, s
        c2s, s2c = ssl.MemoryBIO(), ssl.MemoryBIO()
        c = self.cctx.wrap_bio(s2c, c2s, server_hostname=HOST, session=session)
        s = self.sctx.wrap_bio(c2s, s2c, server_side=True)
        return c, s

    def run(self, n):
        if self.bulk:
            c, s, buf, view = self.c, self.s, self.buf, self.rview
            reader = s.recv_into if self.sock else None
            for _ in range(n):
                c.write(buf)
                got = 0
                while got < BULK:
                    if reader:
                        k = reader(view[got:], BULK - got)
                    else:
                        k = s.read(BULK - got, view[got:])
                    if k <= 0:
                        raise RuntimeError("short read")
                    got += k
            return
        for _ in range(n):
            c, s = self.pair(self.session if self.resume else None)
            handshake(c, s)
            if self.resume:
                if not c.session_reused:
                    raise RuntimeError("session not reused")
                self.session = c.session
            del c, s

    def close(self):
        self.c = self.s = None
        if self.socks:
            for sk in self.socks:
                sk.close()


def read_tickets(c):
    """Take in the TLS 1.3 tickets the server sent after its Finished."""
    try:
        c.read(1)
    except ssl.SSLWantReadError:
        pass


# The thread's CPU time, as cssl_bench measures unless --wall.
clock = time.thread_time


def measure(wl, ms):
    """Operations per second over about ms milliseconds, as cssl_bench's
    measure(): batches double during the first quarter."""
    batch, done = 1, 0
    start = clock()
    end = start + ms / 1000.0
    t = start
    while t < end:
        wl.run(batch)
        done += batch
        t = clock()
        if t - start < ms / 4000.0:
            batch *= 2
    return done / (t - start)


def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


class MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in
                "arena ordblks smblks hblks hblkhd usmblks fsmblks uordblks fordblks "
                "keepcost".split()]


def malloc_bytes():
    """Bytes glibc's malloc has handed out (OpenSSL's heap and Python's
    larger blocks; pymalloc's arenas are mapped directly)."""
    libc = ctypes.CDLL(None)
    libc.mallinfo2.restype = MallInfo2
    mi = libc.mallinfo2()
    return mi.uordblks + mi.hblkhd


def idle(pki, n):
    """Bytes in use by malloc and RSS growth per idle established pair,
    over n pairs on one pair of contexts (the client has read its
    tickets, both sides have waited for data once). tracemalloc would
    miss OpenSSL's heap."""
    wl = Workload(pki, "hs13_ecdsa")
    keep = []

    def one():
        c2s, s2c = ssl.MemoryBIO(), ssl.MemoryBIO()
        c = wl.cctx.wrap_bio(s2c, c2s, server_hostname=HOST)
        s = wl.sctx.wrap_bio(c2s, s2c, server_side=True)
        handshake(c, s)
        read_tickets(c)
        read_tickets(s)
        keep.append((c, s, c2s, s2c))

    one()
    gc.collect()
    malloc0, rss0 = malloc_bytes(), rss()
    for _ in range(n):
        one()
    gc.collect()
    return (malloc_bytes() - malloc0) // n, (rss() - rss0) // n


def default_context(rounds):
    times = []
    for _ in range(rounds + 1):
        start = clock()
        ssl.create_default_context()
        times.append((clock() - start) * 1000)
    return times[0], statistics.median(times[1:])


def version():
    return "Python %s, %s" % (sys.version.split()[0], ssl.OPENSSL_VERSION)


def idle_subprocess(pki, n):
    # A fresh interpreter, so that no earlier workload's freed memory is
    # reused and hides the growth.
    out = subprocess.run([sys.executable, os.path.abspath(__file__), "--pki", pki,
                          "--idle", str(n)], check=True, capture_output=True, text=True)
    in_use, rss_growth = out.stdout.split()
    return int(in_use), int(rss_growth)


def serve(pki):
    global clock
    states = {}
    for line in sys.stdin:
        cmd = line.split()
        if not cmd:
            continue
        try:
            if cmd[0] == "quit":
                break
            if cmd[0] == "hello":
                answer = version()
            elif cmd[0] == "clock":
                clock = time.monotonic if cmd[1] == "wall" else time.thread_time
                answer = "ok"
            elif cmd[0] == "setup":
                states[cmd[1]] = Workload(pki, cmd[1])
                answer = "ok"
            elif cmd[0] == "measure":
                answer = "%.3f" % measure(states[cmd[1]], float(cmd[2]))
            elif cmd[0] == "teardown":
                states.pop(cmd[1]).close()
                answer = "ok"
            elif cmd[0] == "idle":
                answer = "%d %d" % idle_subprocess(pki, int(cmd[1]))
            elif cmd[0] == "default_context":
                answer = "%.3f %.3f" % default_context(int(cmd[1]))
            else:
                answer = "error unknown command %s" % cmd[0]
        except Exception as e:  # reported to cssl_bench, which drops the column
            answer = "error %s: %s" % (type(e).__name__, str(e).replace("\n", " "))
        print(answer, flush=True)


def table(pki, rounds, ms, only, idle_pairs):
    print("%s; %d rounds of %.0f ms of %s time\n"
          % (version(), rounds, ms, "elapsed" if clock is time.monotonic else "thread CPU"))
    print("| workload | unit | Python median | Python min–max |\n|---|---|---|---|")
    for w in WORKLOADS:
        if only and w not in only:
            continue
        wl = Workload(pki, w)
        v = [measure(wl, ms) for _ in range(rounds)]
        wl.close()
        scale = BULK / 1e6 if w.startswith("bulk_") else 1
        print("| %s | %s | %.0f | %.0f–%.0f |" % (w, "MB/s" if scale != 1 else "handshakes/s",
                                                  statistics.median(v) * scale,
                                                  min(v) * scale, max(v) * scale))
    if not only or "idle_heap" in only:
        print("\nper idle established pair (%d pairs): %d bytes in use by malloc, %d RSS bytes"
              % ((idle_pairs,) + idle_subprocess(pki, idle_pairs)))
    if not only or "default_context" in only:
        first, nxt = default_context(rounds)
        print("ssl.create_default_context(): first %.2f ms, next (median) %.2f ms"
              % (first, nxt))


def main():
    global clock
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pki", required=True, help="directory from cssl_bench --write-pki")
    ap.add_argument("--serve", action="store_true")
    ap.add_argument("--iterations", nargs=2, metavar=("WORKLOAD", "N"))
    ap.add_argument("--idle", type=int, metavar="N")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--wall", action="store_true", help="elapsed time, not thread CPU time")
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--ms", type=float, default=400)
    ap.add_argument("--idle-pairs", type=int, default=1000)
    ap.add_argument("--only", default="")
    a = ap.parse_args()
    if a.wall:
        clock = time.monotonic
    if a.serve:
        serve(a.pki)
    elif a.iterations and a.iterations[0] == "default_context":
        for _ in range(int(a.iterations[1])):
            ssl.create_default_context()
    elif a.iterations:
        w, n = a.iterations
        if w not in WORKLOADS:
            ap.error("unknown workload " + w)
        wl = Workload(a.pki, w)
        wl.run(int(n))
        wl.close()
    elif a.idle:
        print("%d %d" % idle(a.pki, a.idle))
    else:
        if a.quick:
            a.rounds, a.ms, a.idle_pairs = 3, 50, 50
        table(a.pki, a.rounds, a.ms, [w for w in a.only.split(",") if w], a.idle_pairs)


if __name__ == "__main__":
    main()
