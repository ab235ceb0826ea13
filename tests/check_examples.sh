#!/bin/sh
# Run every program of examples/ for real, as docs/guide.md tells a user to:
# https_get against openssl s_server -www and a Python HTTPS server,
# echo_server_poll with many concurrent clients, memory_bio_loop with
# certificates from `cssl mkcert`, keylog with its key log checked against
# the server's and its tshark command run on a capture of the connection.
set -eu
: "${CSSL_SOURCE_DIR:?}" "${CSSL_BUILD_DIR:?}" "${CSSL_FIXTURES:?}" "${CSSL_CLI:?}"
exec python3 "$CSSL_SOURCE_DIR/tests/examples/check_examples.py"
