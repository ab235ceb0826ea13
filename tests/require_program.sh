#!/bin/sh
# tests/require_program.sh PROGRAM PACKAGE: make sure PROGRAM is on PATH,
# installing the Debian package PACKAGE with apt-get when it is missing and
# we are root (one installer at a time: ctest runs tests in parallel).
# Exits 0 when PROGRAM is there; otherwise prints a SKIP line saying why
# and exits 77, ctest's skip code, for the caller to pass on. The C tests
# call it through require_program() (tests/tls_util.c).
set -u
prog=$1
pkg=$2
have() { command -v "$prog" >/dev/null 2>&1; }
have && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "SKIP: $prog is missing (Debian package $pkg) and we are not root to install it"
  exit 77
fi
log=/tmp/cssl-apt-$pkg.log
(
  flock 9
  if ! have; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q "$pkg" || { apt-get update -q && apt-get install -y -q "$pkg"; }
  fi
) 9>/tmp/cssl-apt.lock >"$log" 2>&1
have && exit 0
echo "SKIP: $prog is missing and installing Debian package $pkg failed (see $log)"
exit 77
