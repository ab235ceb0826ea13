#!/bin/sh
# callgrind.sh - instructions per operation (handshake or 16 KiB write) for
# cssl, raw OpenSSL and Python's ssl, counted by valgrind's callgrind:
# each workload runs N1 and N2 operations in two processes, and
# (I2 - I1) / (N2 - N1) cancels start-up, certificate loading and setup.
# Callgrind is deterministic here: repeated runs agree within 0.01 %.
#
#   sh bench/callgrind.sh CSSL_BENCH [PYTHON] [--quick]
#
# Prints a Markdown table; without valgrind it prints a SKIP line.
set -eu
bench=$1
python=${2:-}
quick=${3:-}
script=$(dirname "$0")/bench_python.py

if ! command -v valgrind >/dev/null 2>&1; then
    echo "SKIP callgrind instruction counts: valgrind is not installed"
    exit 0
fi
tmp=$(mktemp -d /tmp/cssl_callgrind.XXXXXX)
trap 'rm -rf "$tmp"' EXIT INT TERM
"$bench" --write-pki "$tmp/pki"

# Instructions executed by a command (callgrind's total, no cache model).
count() {
    valgrind --tool=callgrind --callgrind-out-file="$tmp/out" "$@" >"$tmp/log" 2>&1 ||
        { echo "callgrind failed: $*" >&2; cat "$tmp/log" >&2; return 1; }
    sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$tmp/log"
}

# Instructions per operation of workload $1 with implementation $2.
per_op() {
    w=$1 impl=$2
    case $w in
        bulk_*) n1=100 n2=600 ;;
        *) n1=5 n2=25 ;;
    esac
    if [ "$quick" = --quick ]; then n1=$((n1 / 5)) n2=$((n2 / 5)); fi
    if [ "$impl" = python ]; then
        i1=$(count "$python" "$script" --pki "$tmp/pki" --iterations "$w" "$n1")
        i2=$(count "$python" "$script" --pki "$tmp/pki" --iterations "$w" "$n2")
    else
        i1=$(count "$bench" --pki "$tmp/pki" --iterations "$w" "$impl" "$n1")
        i2=$(count "$bench" --pki "$tmp/pki" --iterations "$w" "$impl" "$n2")
    fi
    echo $(((i2 - i1) / (n2 - n1)))
}

workloads="hs13_ecdsa hs13_rsa resume13 hs12 resume12 bulk_aes_mem bulk_chacha_mem"
[ "$quick" = --quick ] && workloads="hs13_ecdsa resume13"
if [ -n "$python" ]; then
    echo "Instructions per operation (valgrind --tool=callgrind; $("$python" -c \
        'import sys, ssl; print("Python", sys.version.split()[0], "with", ssl.OPENSSL_VERSION)'))"
else
    echo "Instructions per operation (valgrind --tool=callgrind); SKIP Python: no interpreter given"
fi
echo
echo "| workload | cssl | OpenSSL | cssl/OpenSSL | Python | Python/OpenSSL |"
echo "|---|---|---|---|---|---|"
for w in $workloads; do
    c=$(per_op "$w" cssl)
    r=$(per_op "$w" raw)
    p=– pr=–
    if [ -n "$python" ]; then
        p=$(per_op "$w" python)
        pr=$(awk -v a="$p" -v b="$r" 'BEGIN { printf "%.2f", a / b }')
    fi
    ratio=$(awk -v a="$c" -v b="$r" 'BEGIN { printf "%.4f", a / b }')
    echo "| $w | $c | $r | $ratio | $p | $pr |"
done
echo
echo "instructions per handshake (per 16 KiB write for bulk_*), client and server together"

if [ "$quick" = --quick ]; then
    echo "(--quick: two workloads, fewer operations, no default-context counts)"
    exit 0
fi

# Default client contexts with the system CAs: the first one in a process
# (I(1) - I(0)) and each next one (I(3) - I(1)) / 2.
ctx_count() {
    if [ "$1" = python ]; then
        count "$python" "$script" --pki "$tmp/pki" --iterations default_context "$2"
    else
        count "$bench" --iterations default_context "$1" "$2"
    fi
}
echo
echo "| default client context | cssl | OpenSSL (SSL_CTX_new + set_default_verify_paths) | Python (create_default_context) |"
echo "|---|---|---|---|"
impls="cssl raw"
[ -n "$python" ] && impls="cssl raw python"
first="" next=""
for impl in $impls; do
    i0=$(ctx_count $impl 0)
    i1=$(ctx_count $impl 1)
    i3=$(ctx_count $impl 3)
    first="$first | $((i1 - i0))"
    next="$next | $(((i3 - i1) / 2))"
done
[ -z "$python" ] && first="$first | –" && next="$next | –"
echo "| first in the process (instructions)$first |"
echo "| each next one (instructions)$next |"
