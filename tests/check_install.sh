#!/bin/sh
# `make install` into a fresh prefix, then build a program against the
# installed copy with pkg-config and with CMake's find_package(cssl), shared
# and static, and run each. Also runs the installed CLI.
set -eu
: "${CSSL_SOURCE_DIR:?}" "${CSSL_BUILD_DIR:?}"
if [ "${CSSL_SANITIZE:-0}" = 1 ]; then
  # A plain program cannot link the ASan/UBSan-instrumented libcssl.so.
  echo "SKIP: the install test runs in the normal build, not the sanitizer build"; exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
prefix="$tmp/prefix"
cmake --install "$CSSL_BUILD_DIR" --prefix "$prefix" > "$tmp/install.log"
for f in include/cssl.h bin/cssl; do
  [ -e "$prefix/$f" ] || { echo "FAIL: $f not installed"; exit 1; }
done
ls "$prefix"/lib*/libcssl.so.0 "$prefix"/lib*/libcssl.a "$prefix"/lib*/pkgconfig/cssl.pc \
   "$prefix"/lib*/cmake/cssl/csslConfig.cmake > /dev/null
ls "$prefix"/share/man/man1/cssl.1 > /dev/null 2>&1 || { echo "FAIL: man page cssl.1 not installed"; exit 1; }
expect="cssl 0.1.0 on OpenSSL"

# 1. pkg-config (relocatable .pc: no PREFIX baked in)
sh "$CSSL_SOURCE_DIR/tests/require_program.sh" pkg-config pkgconf || exit $?
pcdir=$(dirname "$(ls "$prefix"/lib*/pkgconfig/cssl.pc)")
libdir=$(PKG_CONFIG_PATH="$pcdir" pkg-config --variable=libdir cssl)
cc -Wall -Werror -o "$tmp/pc-shared" "$CSSL_SOURCE_DIR/examples/version.c" \
   $(PKG_CONFIG_PATH="$pcdir" pkg-config --cflags --libs cssl)
LD_LIBRARY_PATH="$libdir" "$tmp/pc-shared" | grep -q "$expect" || { echo "FAIL: pkg-config shared build"; exit 1; }
cc -Wall -Werror -o "$tmp/pc-static" "$CSSL_SOURCE_DIR/examples/version.c" \
   $(PKG_CONFIG_PATH="$pcdir" pkg-config --static --cflags cssl) "$libdir/libcssl.a" \
   $(PKG_CONFIG_PATH="$pcdir" pkg-config --static --libs-only-other --libs-only-l cssl | sed 's/-lcssl//')
"$tmp/pc-static" | grep -q "$expect" || { echo "FAIL: pkg-config static build"; exit 1; }
if ldd "$tmp/pc-static" | grep -q libcssl; then echo "FAIL: static build links libcssl.so"; exit 1; fi
echo "ok: pkg-config builds (shared and static) run"

# 2. CMake find_package(cssl)
mkdir "$tmp/proj"
cat > "$tmp/proj/CMakeLists.txt" <<CMAKE
cmake_minimum_required(VERSION 3.16)
project(user C)
find_package(cssl 0.1 REQUIRED)
add_executable(user_shared $CSSL_SOURCE_DIR/examples/version.c)
target_link_libraries(user_shared PRIVATE cssl::cssl)
add_executable(user_static $CSSL_SOURCE_DIR/examples/version.c)
target_link_libraries(user_static PRIVATE cssl::cssl_static)
CMAKE
cmake -S "$tmp/proj" -B "$tmp/proj/build" -DCMAKE_PREFIX_PATH="$prefix" > "$tmp/cmake.log"
cmake --build "$tmp/proj/build" > "$tmp/build.log"
"$tmp/proj/build/user_shared" | grep -q "$expect" || { echo "FAIL: find_package shared"; exit 1; }
"$tmp/proj/build/user_static" | grep -q "$expect" || { echo "FAIL: find_package static"; exit 1; }
echo "ok: find_package(cssl) builds (shared and static) run"

# 3. the installed CLI finds its library through its RPATH
"$prefix/bin/cssl" --version | grep -q "cssl 0.1.0" || { echo "FAIL: installed cssl"; exit 1; }
echo "ok: installed cssl runs"
