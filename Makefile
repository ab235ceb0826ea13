# Convenience front end to CMake. `make demo` and `make check` are the two
# commands the README starts with.
BUILD ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE ?= cmake

.PHONY: all build demo check check-asan install bench fuzz fuzz-smoke clean

all: build

$(BUILD)/CMakeCache.txt:
	$(CMAKE) -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo

build: $(BUILD)/CMakeCache.txt
	$(CMAKE) --build $(BUILD) -j $(JOBS)

demo: build
	./$(BUILD)/cssl demo

check: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# The tests again under AddressSanitizer + UndefinedBehaviorSanitizer (clang).
check-asan:
	CC=clang $(CMAKE) -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DCSSL_SANITIZE=ON
	$(CMAKE) --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest --output-on-failure -j $(JOBS)

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
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
