#!/bin/sh
# bench/bench_python.py with cssl_bench: the Python column, interleaved
# through `--serve`, in the documented shape; and the script's own
# --iterations entry point that bench/callgrind.sh counts. Never timings.
set -eu
: "${CSSL_BUILD_DIR:?}" "${CSSL_SOURCE_DIR:?}"
bench=$CSSL_BUILD_DIR/bench/cssl_bench
script=$CSSL_SOURCE_DIR/bench/bench_python.py
python=
for candidate in "${CSSL_PYTHON:-}" \
    $(ls -d "${PYENV_ROOT:-/root/.pyenv}"/versions/3.13*/bin/python3 2>/dev/null | sort -r) \
    "$(command -v python3 || true)"; do
    if [ -n "$candidate" ] && "$candidate" -c 'import ssl' >/dev/null 2>&1; then
        python=$candidate
        break
    fi
done
if [ -z "$python" ]; then
    echo "SKIP: no python3 with the ssl module"
    exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; echo "--- output:"; cat "$tmp/out"; exit 1; }

"$bench" --quick --only resume13,bulk_chacha_mem,idle_heap,default_context --idle-pairs 20 \
    --python "$python" --script "$script" >"$tmp/out" 2>&1 || fail "cssl_bench --python exited $?"
num='[0-9]+'
range="$num–$num"
grep -Eq '^Python: Python 3\.[0-9]+\.[0-9]+, OpenSSL ' "$tmp/out" || fail "no Python version line"
for w in resume13:handshakes/s bulk_chacha_mem:MB/s; do
    grep -Eq "^\| ${w%%:*} \| ${w#*:} \| $num \| $range \| $num \| $range \| [0-9]+\.[0-9]{3} \| $num \| $range \| [0-9]+\.[0-9]{2} \|$" "$tmp/out" ||
        fail "${w%%:*} row has no Python column"
done
grep -Eq "^\| Python ssl .* \| – \| -?$num \| -?$num \|$" "$tmp/out" || fail "no Python idle row"
grep -Eq '^\| Python: ssl.create_default_context\(\) \| [0-9.]+ \| [0-9.]+ \|$' "$tmp/out" ||
    fail "no Python default-context row"
if grep -q SKIP "$tmp/out"; then fail "the Python column was skipped"; fi

"$bench" --write-pki "$tmp/pki" || fail "--write-pki"
for w in resume12 bulk_chacha_sock; do
    "$python" "$script" --pki "$tmp/pki" --iterations $w 3 >"$tmp/out" 2>&1 ||
        fail "bench_python.py --iterations $w"
done
echo "bench_python.py: Python column OK ($python)"
