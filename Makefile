# Convenience front end to CMake. `make demo` and `make check` are the two
# commands the README starts with.
BUILD ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
VALGRIND_BUILD ?= build-valgrind
TSAN_BUILD ?= build-tsan
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE ?= cmake

.PHONY: all build demo check check-oom check-asan check-valgrind check-tsan install bench fuzz fuzz-smoke clean

all: build

$(BUILD)/CMakeCache.txt:
	$(CMAKE) -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo

build: $(BUILD)/CMakeCache.txt
	$(CMAKE) --build $(BUILD) -j $(JOBS)

demo: build
	./$(BUILD)/cssl demo

check: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# Every allocation-failure sweep whole: each allocation of each scenario
# fails in turn (make check sweeps scenarios of more than 4,000 allocations
# at the first and last allocation of each site only; tests/oom.h).
check-oom: build
	cd $(BUILD) && CSSL_OOM_SWEEP=full ctest --output-on-failure -j $(JOBS) -R '(^oom|_oom)\.'

# The tests again under AddressSanitizer + UndefinedBehaviorSanitizer (clang).
check-asan:
	CC=clang $(CMAKE) -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DCSSL_SANITIZE=ON
	$(CMAKE) --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest --output-on-failure -j $(JOBS)

# Every C test under valgrind memcheck: any error or definite leak fails
# (suppressions, each justified: tests/valgrind.supp). The shell-level
# tests run the CLI under it too, and test_cli_server its servers.
check-valgrind:
	@command -v valgrind >/dev/null || { echo "check-valgrind: valgrind is not installed (apt-get install valgrind)"; exit 1; }
	$(CMAKE) -S . -B $(VALGRIND_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCSSL_VALGRIND=ON
	$(CMAKE) --build $(VALGRIND_BUILD) -j $(JOBS)
	cd $(VALGRIND_BUILD) && ctest --output-on-failure -j $(JOBS)

# The threaded tests (shared contexts, shared key log, per-thread errors,
# socket peers in threads) under ThreadSanitizer (clang). OpenSSL itself is
# not instrumented: see tests/tsan.supp.
TSAN_TESTS = ^(conn_socket|conn_socket_net|conn_keylog|error)\.|^helpers\.verify_paths_per_thread$$
check-tsan:
	CC=clang $(CMAKE) -S . -B $(TSAN_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCSSL_TSAN=ON
	$(CMAKE) --build $(TSAN_BUILD) -j $(JOBS)
	cd $(TSAN_BUILD) && TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 suppressions=$(CURDIR)/tests/tsan.supp" \
	  ctest --output-on-failure -j $(JOBS) -R '$(TSAN_TESTS)'

# libFuzzer targets (clang, -fsanitize=fuzzer,address,undefined) in their own
# build directory; fuzz-smoke generates the seed corpus and runs each target
# for FUZZ_SECONDS (docs/FUZZING.md).
FUZZ_SECONDS ?= 8
fuzz:
	CC=clang $(CMAKE) -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DCSSL_FUZZ=ON -DCSSL_TESTS=OFF
	$(CMAKE) --build $(FUZZ_BUILD) -j $(JOBS) --target fuzzers

fuzz-smoke: fuzz
	sh fuzz/smoke.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

# Benchmarks: cssl vs raw OpenSSL vs Python's ssl (see docs/PERFORMANCE.md);
# `make bench BENCH_ARGS=--quick` for a short run.
bench: build
	sh bench/run.sh $(BUILD) $(BENCH_ARGS)

# make install PREFIX=/opt/cssl (default /usr/local)
PREFIX ?= /usr/local
install: build
	$(CMAKE) --install $(BUILD) --prefix $(PREFIX)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD) $(VALGRIND_BUILD) $(TSAN_BUILD)
