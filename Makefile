# Mica: top-level entry points. Every target installs what is missing,
# configures and builds before it runs, so each works on a fresh clone.
BUILD      ?= build
JOBS       ?= $(shell nproc)
CMAKE_ARGS ?=
# CI builds (CI=true) and local builds alike use -Werror and ASan/UBSan for tests.
# The test build is -O1 -g1: half the compile time of -O2 -g (CLI11 and
# GoogleTest code generation under ASan dominates the build), line tables
# kept for sanitizer stack traces, and almost no cost at run time, where the
# emulated CPU (Unicorn) and mbedTLS, both Debian's optimised libraries, do
# the work.
TEST_OPT   = -O1 -g1 -DNDEBUG
CONFIG_FLAGS = -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_FLAGS_RELWITHDEBINFO="$(TEST_OPT)" -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="$(TEST_OPT)" \
  -DMICA_WERROR=ON -DMICA_SANITIZE=ON $(CMAKE_ARGS)

.PHONY: all deps configure build test test-tsan check-sanitizers demo monitor-aarch64 bench fuzz tcb clean

all: build

deps:
	@scripts/install-deps

$(BUILD)/build.ninja: | deps
	cmake -S . -B $(BUILD) $(CONFIG_FLAGS)

configure: deps
	cmake -S . -B $(BUILD) $(CONFIG_FLAGS)

build: deps $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

# Every test: the whole suite under ASan+UBSan, then the concurrency tests
# (tests/security/concurrency_test.cpp: four host threads racing on the same
# granules, realms and RTTs) rebuilt with ThreadSanitizer in build-tsan and
# run TSAN_REPEAT times; any sanitizer report fails. CI runs exactly this.
TSAN_REPEAT ?= 3
test: build
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)
	@$(MAKE) --no-print-directory test-tsan

test-tsan: deps
	@test -f build-tsan/build.ninja || cmake -S . -B build-tsan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DCMAKE_C_FLAGS_RELWITHDEBINFO="$(TEST_OPT)" -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="$(TEST_OPT)" \
	  -DMICA_TSAN=ON -DMICA_SANITIZE=OFF -DMICA_WERROR=OFF $(CMAKE_ARGS)
	cmake --build build-tsan --target mica_concurrency_test -j $(JOBS)
	TSAN_OPTIONS="halt_on_error=1 exitcode=66 second_deadlock_stack=1" \
	  build-tsan/bin/mica_concurrency_test --gtest_repeat=$(TSAN_REPEAT) --gtest_brief=1

# `make test` with the TSan half repeated more often.
check-sanitizers:
	@$(MAKE) --no-print-directory test TSAN_REPEAT=10

# The demo: private inference with two owners who do not trust each other
# (examples/inference). `mica run` deploys it from its policy on the emulated
# machine, each owner verifies its attestation evidence before it sends its
# sealed input, the model scores the clinic's patients, the scores come back
# sealed to the clinic; then the demo checks them against a native
# computation of the same model over the same data.
DEMO_DIR = $(BUILD)/demo
DEMO_PROGRAMS = $(BUILD)/realm-sdk/cross/programs/inference
demo: build
	@rm -rf $(DEMO_DIR) && mkdir -p $(DEMO_DIR)
	@$(BUILD)/bin/mica-example-data generate inference -o $(DEMO_DIR)
	@echo "demo: the vendor's weights ($$(stat -c %s $(DEMO_DIR)/weights.bin) bytes) and the clinic's patients ($$(stat -c %s $(DEMO_DIR)/patients.csv) bytes) are in $(DEMO_DIR)"
	$(BUILD)/bin/mica run examples/inference/inference.mica --images $(DEMO_PROGRAMS) \
	  --input weights_loader=$(DEMO_DIR)/weights.bin --input ingest=$(DEMO_DIR)/patients.csv \
	  --recipient ingest --output $(DEMO_DIR)/scores.csv --graph $(DEMO_DIR)/flow.svg
	@$(BUILD)/bin/mica-example-data reference inference -i $(DEMO_DIR) -o $(DEMO_DIR)/expected.csv
	@if cmp -s $(DEMO_DIR)/scores.csv $(DEMO_DIR)/expected.csv; then \
	  echo "demo: the $$(($$(wc -l < $(DEMO_DIR)/scores.csv) - 1)) scores the clinic received equal a native computation of the same model (MATCH)"; \
	  echo "demo: flow graph of the policy: $(DEMO_DIR)/flow.svg"; \
	else echo "demo: the scores differ from the native computation (MISMATCH)"; exit 1; fi

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

# Benchmarks (bench/, docs/performance.md): an optimised build without
# sanitizers in build-bench (-O2: GCC 12's -O3 warns falsely in libstdc++'s
# string code, which -Werror turns into errors); every Google Benchmark
# program, then the fixed RMI sequence under callgrind. scripts/bench writes
# every table to build-bench/bench-results/report.md.
bench: deps
	cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release "-DCMAKE_CXX_FLAGS_RELEASE=-O2 -DNDEBUG" \
	  -DMICA_SANITIZE=OFF -DMICA_WERROR=ON $(CMAKE_ARGS)
	cmake --build build-bench --target bench_all -j $(JOBS)
	scripts/bench build-bench

# The TCB's size: lines of code and aarch64 text of the RMM core without and
# with the Mica extension, written to docs/tcb.md (see scripts/tcb).
tcb: monitor-aarch64
	scripts/tcb build-aarch64 > docs/tcb.md
	@cat docs/tcb.md

clean:
	rm -rf $(BUILD) build-aarch64 build-fuzz build-bench build-tsan
