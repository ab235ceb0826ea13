#!/usr/bin/env python3
"""Generate the seed corpus of every fuzz target (docs/FUZZING.md).

    python3 fuzz/make_corpus.py BUILD_DIR

writes BUILD_DIR/corpus/<target>/ (emptied first) from:
  - the test fixtures, made fresh by tests/fixtures/generate.sh (with the
    fuzz build's copy of mkfixture_cert for the exotic certificates):
    certificates, chains, keys and CRLs, PEM and DER;
  - BUILD_DIR/fuzz/fuzz_record: handshake flights recorded from a cssl
    client and server with the targets' deterministic randomness, the
    sessions they made and the minted certificates;
  - lists written here: cipher, suite and group strings, times, ALPN lists,
    host names, text for the repr helpers.
Nothing generated is checked in.
"""
import hashlib
import os
import shutil
import subprocess
import sys

SRC = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

CIPHERS = [
    "DEFAULT", "ALL", "ALL:@SECLEVEL=0", "HIGH:!aNULL:!MD5", "ECDHE+AESGCM",
    "@SECLEVEL=2:ECDH+AESGCM:ECDH+CHACHA20:ECDH+AES:DHE+AES:!aNULL:!eNULL:!aDSS:!SHA1:!AESCCM",
    "PSK", "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-CHACHA20-POLY1305", "@STRENGTH",
    "eNULL", "!ALL", "RSA+AES:-SHA1:+kRSA", "bogus", "AES128-SHA:@SECLEVEL=1",
]
SUITES = [
    "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256",
    "TLS_AES_128_CCM_SHA256:TLS_AES_128_CCM_8_SHA256", "", ":", "TLS_AES_128_GCM_SHA256:",
    "ECDHE-RSA-AES128-GCM-SHA256", "TLS_FAKE", "TLS_AES_128_GCM_SHA256:TLS_AES_128_GCM_SHA256",
]
GROUPS = [
    "X25519:P-256", "prime256v1:secp384r1", "P-384:P-256:X448", "ffdhe2048:ffdhe3072",
    "X25519::P-256", "X25519:x25519", "secp521r1", "", "brainpoolP256r1", "P-256:prime256v1",
]
CURVES = ["prime256v1", "secp384r1", "X25519", "X448", "rsaEncryption", "P-256", "secp112r1"]
TIMES = [
    "May  9 00:00:00 2007 GMT", "Jan  5 09:34:43 2018 GMT", "Feb 29 12:00:00 2024 GMT",
    "Feb 30 00:00:00 2023 GMT", "Dec 31 23:59:61 9999 GMT", "jAN 1 00:00:00 1970 GMT",
    "Jan 01 00:00:00 0001 GMT", "Jan 1 00:00:00 0000 GMT", "Aug 29 14:23:16 2018 UTC",
    "\u017fep 30 00:00:00 2000 GMT", "Jan \u0661 00:00:00 2000 GMT",
    "Mar\u00a0 1\u200300:00:00 2000 GMT", "Jan 32 00:00:00 2000 GMT", "Jan  9 00:00:00 2000 GMTx",
    "", "May", b"\xffan  1 00:00:00 2000 GMT", b"Jan  1 00:00:00 2000 GMT\xc3",
]
HOSTS = [
    "localhost", "example.org", "b\u00fccher.example", "xn--bcher-kva.example", "127.0.0.1",
    "::1", "a..b", ".lead", "trail.", "\u00fcn\u00efc\u00f8d\u00e9.\u65e5\u672c\u8a9e.example",
    "a" * 63 + ".example", "a" * 64 + ".example", "\u00e9" * 60 + ".x", "other.example",
    "-hyphen-.example", "\U0001f600.example", "label\u3002dot",
]
ALPN = [  # (server list, client list)
    (["h2", "http/1.1"], ["http/1.1", "h2"]),
    (["http/1.1"], ["h2"]),
    ([], ["h2"]),
    (["h2"], []),
    (["spdy/3", "h2", "x" * 255], ["x" * 255, "h2"]),
    (["x" * 256], ["h2"]),
    ([""], ["h2"]),
]
TEXT = [
    "", "plain", "it's", "\"both' quotes", "tab\tnew\nline\r", "caf\u00e9", "\u65e5\u672c",
    "\x00\x01\x7f", "\u200b\u2028\U0001f600", "\\back\\slash",
]


def write(out, target, name, data):
    d = os.path.join(out, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogateescape")
    if not name:
        name = hashlib.sha1(data).hexdigest()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def fixture_files(fixtures):
    pem, der = {}, {}
    for root, _, files in os.walk(fixtures):
        for name in sorted(files):
            path = os.path.join(root, name)
            rel = os.path.relpath(path, fixtures).replace(os.sep, "_")
            with open(path, "rb") as f:
                data = f.read()
            if name.endswith((".pem", ".key", ".crl")):
                pem[rel] = data
            elif name.endswith(".der"):
                der[rel] = data
    return pem, der


def certificate_seeds(out, pem, der):
    for name, data in pem.items():
        write(out, "cert_pem", name, data)
        write(out, "cert_load", name, data)
        write(out, "pem_der", name, data)
        write(out, "cadata", "pem_" + name, b"\x00" + data)
        write(out, "cadata", "file_" + name, b"\x02" + data)
    for name, data in der.items():
        write(out, "cert_der", name, data)
        write(out, "cert_load", name, data)
        write(out, "pem_der", name, data)
        write(out, "cadata", "der_" + name, b"\x01" + data)
    # cadata of several certificates at once
    if "ca.der" in der and "ca2.der" in der:
        write(out, "cadata", "der_two", b"\x01" + der["ca.der"] + der["ca2.der"])


def chain_seeds(out, pem):
    def chain(name, opt, cert, key=b""):
        write(out, "cert_chain", name, bytes([opt]) + len(cert).to_bytes(2, "big") + cert + key)

    get = pem.get
    if get("keycert.pem"):
        chain("keycert", 0, get("keycert.pem"))
    for cert, key, opt in [("server.pem", "server.key", 1), ("ecdsa.pem", "ecdsa.key", 1),
                           ("server_chain.pem", "server.key", 1),
                           ("server.pem", "server_enc.key", 3),
                           ("server.pem", "server_enc_trad.key", 3),
                           ("server.pem", "other.key", 1), ("weak.pem", "weak.key", 1),
                           ("chain_weakca.pem", "server.key", 1),
                           ("chain_corrupt.pem", "server.key", 1)]:
        if get(cert) and get(key):
            chain(cert.replace(".pem", "") + "+" + key.replace(".key", ""), opt, get(cert),
                  get(key))
    if get("dh.pem"):
        write(out, "cert_chain", "dh", b"\x04" + get("dh.pem"))
    if get("garbage.pem"):
        write(out, "cert_chain", "dh_garbage", b"\x04" + get("garbage.pem"))


def list_seeds(out):
    for which, strings in enumerate([CIPHERS, SUITES, GROUPS, CURVES]):
        for s in strings:
            write(out, "cipher_strings", None, bytes([which]) + s.encode())
    for s in TIMES:
        write(out, "cert_time", None, s)
    for s in HOSTS:
        write(out, "hostname", None, s)
    for server, client in ALPN:
        data = bytes([len(server)])
        for p in server + client:
            b = p.encode()
            data += (b"\xff" + len(b).to_bytes(2, "big") if len(b) >= 255 else bytes([len(b)])) + b
        write(out, "alpn", None, data)
    for i, s in enumerate(TEXT):
        cut = [0, 1, 5, 12, 64, 255][i % 6]
        flags = (0x80000050 << (i % 3)).to_bytes(8, "big")
        write(out, "pyrepr", None, bytes([cut]) + flags + s.encode("utf-8"))


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: make_corpus.py BUILD_DIR")
    build = os.path.abspath(sys.argv[1])
    out = os.path.join(build, "corpus")
    fixtures = os.path.join(build, "corpus-fixtures")
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    env = dict(os.environ,
               CSSL_MKFIXTURE_CERT=os.path.join(build, "fuzz", "fuzz_mkfixture_cert"))
    subprocess.run(["sh", os.path.join(SRC, "tests", "fixtures", "generate.sh"),
                    os.path.join(SRC, "tests", "fixtures"), fixtures],
                   env=env, check=True, stdout=subprocess.DEVNULL)
    subprocess.run([os.path.join(build, "fuzz", "fuzz_record"), out], check=True,
                   stdout=subprocess.DEVNULL)
    pem, der = fixture_files(fixtures)
    certificate_seeds(out, pem, der)
    chain_seeds(out, pem)
    list_seeds(out)
    for target in sorted(os.listdir(out)):
        print(f"corpus/{target}: {len(os.listdir(os.path.join(out, target)))} seeds")


if __name__ == "__main__":
    main()
