#!/bin/sh
# fuzz/smoke.sh BUILD_DIR [SECONDS]: the fuzz smoke test of `make
# fuzz-smoke` and .ci/run. Generates the seed corpus (fuzz/make_corpus.py),
# then runs every target built in BUILD_DIR/fuzz for SECONDS (default 8)
# on it. New inputs go to BUILD_DIR/corpus-work/<target> (kept, so a later
# run goes on from there); a crash, leak or broken invariant fails the run,
# leaving the input in BUILD_DIR/artifacts/ and the log in BUILD_DIR/logs/.
set -eu
build=$(cd "$1" && pwd)
seconds=${2:-8}
src=$(cd "$(dirname "$0")/.." && pwd)

python3 "$src/fuzz/make_corpus.py" "$build"
mkdir -p "$build/artifacts" "$build/logs"
failed=""
for bin in "$build"/fuzz/fuzz_*; do
  name=$(basename "$bin")
  case $name in fuzz_record|fuzz_mkfixture_cert|*.a) continue ;; esac
  [ -x "$bin" ] || continue
  target=${name#fuzz_}
  work="$build/corpus-work/$target"
  mkdir -p "$work"
  log="$build/logs/$target.log"
  if "$bin" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2048 -print_final_stats=1 \
       -artifact_prefix="$build/artifacts/$target-" "$work" "$build/corpus/$target" \
       >"$log" 2>&1; then
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
    echo "fuzz $target: ok, $runs runs in ${seconds}s, $cov"
  else
    echo "fuzz $target: FAILED (log $log)"
    tail -40 "$log"
    failed="$failed $target"
  fi
done
if [ -n "$failed" ]; then
  echo "fuzz smoke failed:$failed"
  exit 1
fi
echo "fuzz smoke: every target ran clean"
