#!/usr/bin/env python3
"""callgrind_diff.py - where cssl's extra instructions go, per operation.

Runs `cssl_bench --iterations WORKLOAD IMPL N` under callgrind for cssl and
raw OpenSSL at N1 and N2 operations, takes each function's inclusive cost
per operation ((C2 - C1) / (N2 - N1), so setup cancels) and prints the
functions whose cost differs between the two, largest first, with the
total difference: first cssl's own functions (src/) with their full cost,
then OpenSSL's and libc's whose cost differs (unsymbolised addresses in
the stripped libcrypto are left out).

  python3 bench/callgrind_diff.py build/bench/cssl_bench resume12 [N1 N2]
"""
import os
import re
import subprocess
import sys
import tempfile

CSSL_FILES = set(os.listdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src")))
LINE = re.compile(r"^\s*([0-9,]+)\s+(?:\([^)]*\)\s+)?(\S.*)$")


def profile(bench, pki, workload, impl, n, tmp):
    out = os.path.join(tmp, "%s.%d.out" % (impl, n))
    subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out, bench,
                    "--pki", pki, "--iterations", workload, impl, str(n)],
                   check=True, capture_output=True)
    text = subprocess.run(["callgrind_annotate", "--inclusive=yes", "--threshold=100", out],
                          check=True, capture_output=True, text=True).stdout
    costs = {}
    for line in text.splitlines():
        m = LINE.match(line)
        if not m or m.group(2).startswith("=>"):
            continue
        name = m.group(2).split(" [")[0]
        if ":" in name:  # one name per function, however the path is spelt
            path, func = name.rsplit(":", 1)
            name = os.path.basename(path) + ":" + func
        costs[name] = max(costs.get(name, 0), int(m.group(1).replace(",", "")))
    return costs


def main():
    if len(sys.argv) not in (3, 5):
        sys.exit(__doc__)
    bench, workload = sys.argv[1], sys.argv[2]
    n1, n2 = (int(sys.argv[3]), int(sys.argv[4])) if len(sys.argv) == 5 else (5, 25)
    with tempfile.TemporaryDirectory() as tmp:
        pki = os.path.join(tmp, "pki")
        subprocess.run([bench, "--write-pki", pki], check=True)
        per_op = {}
        for impl in ("cssl", "raw"):
            c1 = profile(bench, pki, workload, impl, n1, tmp)
            c2 = profile(bench, pki, workload, impl, n2, tmp)
            per_op[impl] = {k: (c2.get(k, 0) - c1.get(k, 0)) / (n2 - n1)
                            for k in set(c1) | set(c2)}
    c, r = per_op["cssl"], per_op["raw"]
    total = c.get("PROGRAM TOTALS", 0) - r.get("PROGRAM TOTALS", 0)
    print("%s: cssl %.0f, OpenSSL %.0f instructions per operation, difference %+.0f (%+.2f %%)"
          % (workload, c.get("PROGRAM TOTALS", 0), r.get("PROGRAM TOTALS", 0), total,
             100.0 * total / r.get("PROGRAM TOTALS", 1)))
    print("\n| function (inclusive) | cssl | OpenSSL | difference |\n|---|---|---|---|")
    own, other = [], []
    for k in set(c) | set(r):
        d = c.get(k, 0) - r.get(k, 0)
        if k.split(":")[0] in CSSL_FILES and c.get(k, 0) >= 100:
            own.append((-c[k], k, d))
        elif abs(d) >= 300 and not k.startswith(("bench_", "???:0x", "(below")) \
                and "libc_start" not in k:
            other.append((-abs(d), k, d))
    for _, k, d in sorted(own) + sorted(other)[:40]:
        print("| %s | %.0f | %.0f | %+.0f |" % (k, c.get(k, 0), r.get(k, 0), d))


if __name__ == "__main__":
    main()
