# unroll — everything starts here. `make demo` and `make test` work on a fresh Debian 12 as root.
BUILD ?= build
JOBS ?= 2
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=Release
# ccache (installed by scripts/install-deps) when present: sources built before — in this clone or
# in another, as CI's fresh clones are — are not compiled again. CCACHE_BASEDIR makes its hits
# independent of where the clone lives.
LAUNCHER = $$(command -v ccache >/dev/null && echo -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
# The build compiles for -march=native and the machine may change CPU between builds: the
# compiler check hashes what native means here, so an object built for another CPU is never reused.
export CCACHE_BASEDIR := $(CURDIR)
export CCACHE_NOHASHDIR := 1
export CCACHE_COMPILERCHECK := %compiler% -v; %compiler% -march=native -Q --help=target

.PHONY: all deps build test sanitize consumer demo bench compare docs format clean

# project(unroll VERSION …) in CMakeLists.txt, for what is built without CMake (docs, fuzzers).
UNROLL_VERSION := $(shell sed -n 's/^project.unroll VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)

all: build

deps:
	@scripts/install-deps

build: deps
	@cmake -S . -B $(BUILD) $(CMAKE_FLAGS) $(LAUNCHER) >/dev/null
	@cmake --build $(BUILD) -j$(JOBS)

test: build
	@cd $(BUILD) && ctest --output-on-failure -j$(JOBS)

# The whole suite again, built with AddressSanitizer and UBSan in $(SANITIZE_BUILD) (buffers and
# nodes freed, not cached, so a use after free is seen) and with each backward checked against
# the values its op declares it reads. Any report aborts its test: the target fails. The ranks
# of the MPI tests run without the exit-time leak check (tests/mpi_run.hpp says why).
SANITIZE_BUILD ?= build-asan
sanitize: deps
	@cmake -S . -B $(SANITIZE_BUILD) $(CMAKE_FLAGS) $(LAUNCHER) -DUNROLL_SANITIZE=ON \
	  -DUNROLL_CHECK_BACKWARD_READS=ON >/dev/null
	@cmake --build $(SANITIZE_BUILD) -j$(JOBS)
	@cd $(SANITIZE_BUILD) && ASAN_OPTIONS=halt_on_error=1:detect_leaks=1 \
	  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ctest --output-on-failure -j$(JOBS)

# The main job: `charlm demo` trains the character-level LSTM on tiny-shakespeare (data/, shipped)
# for 800 steps on the cores that are free, samples 600 characters from it after "ROMEO:", and
# ends with its validation bits per character beside a unigram model's.
demo: build
	@$(BUILD)/bin/charlm demo --data data/tinyshakespeare.txt --prime "ROMEO:" \
	  --out $(BUILD)/demo.safetensors

# The library as a user gets it: installs the build into a fresh prefix, copies examples/consumer
# out of the tree and configures it against that prefix alone (the build tree exports nothing,
# and the installed package must not name a path in it), then builds and runs it.
consumer: build
	@set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	cmake --install $(BUILD) --prefix "$$tmp/prefix" >/dev/null; \
	if grep -rlF "$(CURDIR)" "$$tmp/prefix/lib/cmake"; then \
	  echo "consumer: the installed package names the source or build tree" >&2; exit 1; fi; \
	cp -r examples/consumer "$$tmp/src"; \
	cmake -S "$$tmp/src" -B "$$tmp/build" -DCMAKE_PREFIX_PATH="$$tmp/prefix" >/dev/null; \
	grep -qx "unroll_DIR:PATH=$$tmp/prefix/lib/cmake/unroll" "$$tmp/build/CMakeCache.txt" || \
	  { echo "consumer: unroll was found outside the fresh prefix" >&2; exit 1; }; \
	cmake --build "$$tmp/build" -j$(JOBS) >/dev/null; \
	"$$tmp/build/consumer"

bench: build
	@$(BUILD)/bin/tape_overhead

# Training throughput and memory against PyTorch, side by side (bench/RESULTS.md); installs
# python3-torch and OpenBLAS first. RUNS per configuration (default 5).
compare: build
	@scripts/install-deps --bench
	@bench/compare_pytorch $(or $(RUNS),5)

# The API reference of framework/, layers/ and models/ from the headers' comments (Doxygen,
# docs/Doxyfile), in $(BUILD)/docs/html. Fails on any Doxygen warning about framework/ or layers/
# (a public name without a comment, a malformed one); those about models/ are listed in
# $(BUILD)/docs/warnings.log and counted.
docs:
	@scripts/install-deps --docs
	@rm -rf $(BUILD)/docs && mkdir -p $(BUILD)/docs
	@UNROLL_DOCS_DIR=$(BUILD)/docs UNROLL_VERSION=$(UNROLL_VERSION) doxygen docs/Doxyfile
	@if grep -E '^$(CURDIR)/(framework|layers)/' $(BUILD)/docs/warnings.log >&2; then \
	  echo "docs: the warnings above are about framework/ or layers/, which have none" >&2; exit 1; fi
	@echo "docs: $(BUILD)/docs/html/index.html; $$(grep -c . $(BUILD)/docs/warnings.log) warnings elsewhere ($(BUILD)/docs/warnings.log)"

format:
	@clang-format -i $$(git ls-files '*.hpp' '*.cpp')

clean:
	@rm -rf $(BUILD) $(SANITIZE_BUILD) $(FUZZ_DIR)

include tests/fuzz/fuzz.mk
