#!/bin/sh
# The documentation is checked like code: the guide's and the man pages'
# C snippets compile, the man pages render without warnings and match the
# header's prototypes, and every API name the docs mention exists.
set -eu
: "${CSSL_SOURCE_DIR:?}"
exec python3 "$CSSL_SOURCE_DIR/tests/docs/check_docs.py"
