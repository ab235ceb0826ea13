#!/bin/sh
# The CLI as a user runs it: mkcert, cert, ciphers and client against real
# peers (openssl s_server, a Python ssl server); exit codes and messages.
set -eu
exec python3 "$CSSL_SOURCE_DIR/tests/cli/check_cli_tools.py"
