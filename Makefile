# Mica: top-level entry points. Every target installs what is missing,
# configures and builds before it runs, so each works on a fresh clone.
BUILD      ?= build
JOBS       ?= $(shell nproc)
CMAKE_ARGS ?=
# CI builds (CI=true) and local builds alike use -Werror and ASan/UBSan for tests.
CONFIG_FLAGS = -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMICA_WERROR=ON -DMICA_SANITIZE=ON $(CMAKE_ARGS)

.PHONY: all deps configure build test check-sanitizers demo monitor-aarch64 bench fuzz tcb clean

all: build

deps:
	@scripts/install-deps

$(BUILD)/build.ninja: | deps
	cmake -S . -B $(BUILD) $(CONFIG_FLAGS)

configure: deps
	cmake -S . -B $(BUILD) $(CONFIG_FLAGS)

build: deps $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

test: build
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

# The whole suite under ASan+UBSan (what `make test` builds and runs), then
# the concurrency tests (tests/security/concurrency_test.cpp) rebuilt with
# ThreadSanitizer in build-tsan and run TSAN_REPEAT times; any report fails.
# CI runs `make test` only (docs/security.md says why).
TSAN_REPEAT ?= 5
check-sanitizers: test
	cmake -S . -B build-tsan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMICA_TSAN=ON -DMICA_SANITIZE=OFF \
	  -DMICA_WERROR=OFF $(CMAKE_ARGS)
	cmake --build build-tsan --target mica_concurrency_test -j $(JOBS)
	TSAN_OPTIONS="halt_on_error=1 exitcode=66 second_deadlock_stack=1" \
	  build-tsan/bin/mica_concurrency_test --gtest_repeat=$(TSAN_REPEAT)

# The demo: the VMM boots the realm SDK's `rim` program on the emulated
# machine; the realm reads its own RIM (RSI_MEASUREMENT_READ) and prints it
# through the console; the demo checks it equals `mica measure` of the image.
DEMO_IMAGE = $(BUILD)/realm-sdk/cross/programs/rim.elf
DEMO_FLAGS = --ram 2MiB
demo: build
	@{ $(BUILD)/bin/mica boot $(DEMO_IMAGE) $(DEMO_FLAGS); echo $$? > $(BUILD)/demo-boot.rc; } \
	  | tee $(BUILD)/demo-boot.log
	@[ "$$(cat $(BUILD)/demo-boot.rc)" = 0 ] || { echo "demo: mica boot failed"; exit 1; }; \
	printed=$$(sed -n 's/^RIM (sha256): \([0-9a-f]*\)$$/\1/p' $(BUILD)/demo-boot.log); \
	measured=$$($(BUILD)/bin/mica measure $(DEMO_IMAGE) $(DEMO_FLAGS)) || exit 1; \
	echo; echo "RIM the realm printed: $${printed:-(none)}"; echo "mica measure:          $$measured"; \
	if [ -n "$$printed" ] && [ "$$printed" = "$$measured" ]; then echo "demo: MATCH"; \
	else echo "demo: MISMATCH"; exit 1; fi

# The TCB alone, cross-compiled freestanding for aarch64; prints its text size.
monitor-aarch64: deps
	cmake -S src/monitor -B build-aarch64 -G Ninja \
	  -DCMAKE_TOOLCHAIN_FILE=$(CURDIR)/cmake/aarch64-freestanding.cmake \
	  -DCMAKE_BUILD_TYPE=MinSizeRel -DMICA_WERROR=ON
	cmake --build build-aarch64 -j $(JOBS)
	@scripts/monitor-size build-aarch64

# libFuzzer harnesses (fuzz/): a clang build with ASan/UBSan in build-fuzz,
# each harness run FUZZ_SECONDS over its checked-in corpus.
FUZZ_SECONDS ?= 60
fuzz: deps
	cmake -S . -B build-fuzz -G Ninja -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
	  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMICA_FUZZ=ON -DMICA_SANITIZE=ON -DMICA_WERROR=OFF \
	  -DCMAKE_C_FLAGS=-fsanitize=fuzzer-no-link -DCMAKE_CXX_FLAGS=-fsanitize=fuzzer-no-link $(CMAKE_ARGS)
	cmake --build build-fuzz --target fuzz_all -j $(JOBS)
	fuzz/run-fuzzers build-fuzz $(FUZZ_SECONDS)

# Google Benchmark programs (bench/): an optimised build without sanitizers in build-bench.
bench: deps
	cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DMICA_SANITIZE=OFF -DMICA_WERROR=ON $(CMAKE_ARGS)
	cmake --build build-bench --target bench_all -j $(JOBS)
	@for b in build-bench/bin/bench_*; do echo "== $$b"; $$b --benchmark_counters_tabular=true || exit 1; done

# The TCB's size: lines of code and aarch64 text of the RMM core without and
# with the Mica extension, written to docs/tcb.md (see scripts/tcb).
tcb: monitor-aarch64
	scripts/tcb build-aarch64 > docs/tcb.md
	@cat docs/tcb.md

clean:
	rm -rf $(BUILD) build-aarch64 build-fuzz build-bench build-tsan
