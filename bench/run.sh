#!/bin/sh
# run.sh - what `make bench` runs: the interleaved table (cssl, raw OpenSSL,
# Python's ssl), then callgrind's instruction counts.
#
#   sh bench/run.sh BUILD_DIR [--quick] [cssl_bench options...]
#
# Python: $CSSL_PYTHON, else the newest pyenv 3.13, else python3.13, else
# python3 (as the test harness chooses); none gives a visible SKIP.
set -eu
build=$1
shift
here=$(dirname "$0")
bench=$build/bench/cssl_bench
quick=
for a in "$@"; do [ "$a" = --quick ] && quick=--quick; done

works() { [ -n "$1" ] && "$1" -c 'import ssl' >/dev/null 2>&1; }
python=
for candidate in "${CSSL_PYTHON:-}" \
    $(ls -d "${PYENV_ROOT:-/root/.pyenv}"/versions/3.13*/bin/python3 2>/dev/null | sort -r) \
    "$(command -v python3.13 || true)" "$(command -v python3 || true)"; do
    if works "$candidate"; then python=$candidate; break; fi
done

if [ -n "$python" ]; then
    "$bench" --python "$python" "$@"
else
    echo "SKIP Python column: no python3 with the ssl module found"
    "$bench" "$@"
fi
echo
sh "$here/callgrind.sh" "$bench" "$python" $quick
