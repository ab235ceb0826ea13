#!/bin/sh
# The benchmark program runs and prints its tables in the documented shape
# (`cssl_bench --quick`, about a second); timings are never checked here,
# speed targets live in bench/ and docs/PERFORMANCE.md.
set -eu
: "${CSSL_BUILD_DIR:?}"
bench=$CSSL_BUILD_DIR/bench/cssl_bench
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; echo "--- output:"; cat "$tmp/out"; exit 1; }

"$bench" --quick --only hs13_ecdsa,bulk_aes_mem,idle_heap --idle-pairs 20 >"$tmp/out" 2>&1 ||
    fail "cssl_bench --quick exited $?"
num='[0-9]+'
range="$num–$num"
grep -q '^| workload | unit | cssl median | cssl min–max | OpenSSL median | OpenSSL min–max | cssl/OpenSSL | Python median | Python min–max | cssl/Python |$' "$tmp/out" ||
    fail "no table header"
grep -q '^|---|---|---|---|---|---|---|---|---|---|$' "$tmp/out" || fail "no header separator"
grep -Eq "^\| hs13_ecdsa \| handshakes/s \| $num \| $range \| $num \| $range \| [0-9]+\.[0-9]{3} \| – \| – \| – \|$" "$tmp/out" ||
    fail "hs13_ecdsa row malformed"
grep -Eq "^\| bulk_aes_mem \| MB/s \| $num \| $range \| $num \| $range \| [0-9]+\.[0-9]{3} \| – \| – \| – \|$" "$tmp/out" ||
    fail "bulk_aes_mem row malformed"
[ "$(grep -c '^| [a-z0-9_]* | \(handshakes/s\|MB/s\) |' "$tmp/out")" = 2 ] ||
    fail "--only did not select exactly two workloads"
grep -q '^SKIP Python column: no --python given$' "$tmp/out" || fail "no visible SKIP for Python"
for label in 'cssl' 'OpenSSL, SSL_MODE_RELEASE_BUFFERS' 'OpenSSL, without RELEASE_BUFFERS'; do
    grep -Eq "^\| $label \| $num \| $num \| -?$num \|$" "$tmp/out" || fail "idle row '$label' malformed"
done
grep -Eq '^cssl − OpenSSL \(RELEASE_BUFFERS\): [+-][0-9]+ heap bytes per pair$' "$tmp/out" ||
    fail "no idle heap difference line"

# The callgrind entry point: a given number of operations, exit 0.
"$bench" --write-pki "$tmp/pki" || fail "--write-pki"
for f in ca.pem ecdsa.pem ecdsa.key rsa.pem rsa.key; do
    [ -s "$tmp/pki/$f" ] || fail "--write-pki wrote no $f"
done
for impl in cssl raw; do
    "$bench" --pki "$tmp/pki" --iterations resume13 $impl 3 >"$tmp/out" 2>&1 ||
        fail "--iterations resume13 $impl"
done
if "$bench" --only >"$tmp/out" 2>&1; then fail "a missing --only argument was accepted"; fi
grep -q '^usage: cssl_bench' "$tmp/out" || fail "no usage text"
echo "cssl_bench: table shape OK"
