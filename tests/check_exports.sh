#!/bin/sh
# The shared library exports exactly the functions declared CSSL_API in
# include/cssl.h: nothing internal (cssl__*), nothing from OpenSSL, nothing
# undocumented, and nothing declared but missing.
set -eu
: "${CSSL_SOURCE_DIR:?}" "${CSSL_SHARED_LIB:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
grep -E '^CSSL_API ' "$CSSL_SOURCE_DIR/include/cssl.h" |
  sed -E 's/\(.*//; s/.*[ *]//' | sort > "$tmp/declared"
nm -D --defined-only "$CSSL_SHARED_LIB" | awk '$2 ~ /^[TDBRtdbr]$/ {print $3}' |
  sed 's/@.*//' | sort > "$tmp/exported"
if ! diff -u "$tmp/declared" "$tmp/exported"; then
  echo "FAIL: exported symbols differ from the CSSL_API declarations (- declared, + exported)"
  exit 1
fi
# Every declaration is documented: the line before it closes a comment.
awk '/^CSSL_API / && prev !~ /\*\/ *$/ { print "undocumented: " $0; bad = 1 }
     { prev = $0 }
     END { exit bad }' "$CSSL_SOURCE_DIR/include/cssl.h"
echo "ok: $(wc -l < "$tmp/exported") exported symbols, all declared"
