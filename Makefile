# unroll — everything starts here. `make demo` and `make test` work on a fresh Debian 12 as root.
BUILD ?= build
JOBS ?= 2
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=Release

.PHONY: all deps build test sanitize consumer demo bench compare format clean

all: build

deps:
	@scripts/install-deps

build: deps
	@cmake -S . -B $(BUILD) $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j$(JOBS)

test: build
	@cd $(BUILD) && ctest --output-on-failure -j$(JOBS)

# The whole suite again, built with AddressSanitizer and UBSan in $(SANITIZE_BUILD) (buffers and
# nodes freed, not cached, so a use after free is seen) and with each backward checked against
# the values its op declares it reads. Any report aborts its test: the target fails.
SANITIZE_BUILD ?= build-asan
sanitize: deps
	@cmake -S . -B $(SANITIZE_BUILD) $(CMAKE_FLAGS) -DUNROLL_SANITIZE=ON \
	  -DUNROLL_CHECK_BACKWARD_READS=ON >/dev/null
	@cmake --build $(SANITIZE_BUILD) -j$(JOBS)
	@cd $(SANITIZE_BUILD) && ASAN_OPTIONS=halt_on_error=1:detect_leaks=1 \
	  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ctest --output-on-failure -j$(JOBS)

# The main job: train the character-level LSTM on the embedded default corpus (the project's own
# source and documentation) for a minute, then sample from it.
demo: build
	@$(BUILD)/bin/charlm train --minutes 1 --eval-every 100 --out $(BUILD)/demo.safetensors
	@echo "--- sampling from $(BUILD)/demo.safetensors ---"
	@$(BUILD)/bin/charlm sample --ckpt $(BUILD)/demo.safetensors --prime "template <class T>" \
	  --length 600 --temperature 0.7

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

format:
	@clang-format -i $$(git ls-files '*.hpp' '*.cpp')

clean:
	@rm -rf $(BUILD) $(SANITIZE_BUILD)

# `make fuzz`: the safetensors parser under libFuzzer, AddressSanitizer and UBSan for
# FUZZ_SECONDS, seeded with the committed .safetensors fixtures; the corpus grows in
# $(FUZZ_DIR)/corpus, findings land in $(FUZZ_DIR)/crashes/. Needs clang (the main build does not).
FUZZ_DIR ?= build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_SOURCES = tests/fuzz/fuzz_safetensors.cpp framework/io/safetensors.cpp framework/io/atomic_file.cpp \
               framework/memory.cpp
FUZZ_HEADERS = framework/io/safetensors.hpp framework/io/atomic_file.hpp framework/tensor.hpp \
               framework/memory.hpp \
               framework/errors.hpp

.PHONY: fuzz
fuzz: deps $(FUZZ_DIR)/fuzz_safetensors
	@mkdir -p $(FUZZ_DIR)/corpus $(FUZZ_DIR)/crashes
	@cp tests/fixtures/io/*.safetensors $(FUZZ_DIR)/corpus/
	@printf '%s\n' '"\"dtype\""' '"\"shape\""' '"\"data_offsets\""' '"\"__metadata__\""' \
	  '"\"F32\""' '"\"F64\""' '"[0,"' '"]}"' '"\"\":"' > $(FUZZ_DIR)/safetensors.dict
	$(FUZZ_DIR)/fuzz_safetensors -max_total_time=$(FUZZ_SECONDS) -dict=$(FUZZ_DIR)/safetensors.dict \
	  -artifact_prefix=$(FUZZ_DIR)/crashes/ -print_final_stats=1 $(FUZZ_DIR)/corpus

$(FUZZ_DIR)/fuzz_safetensors: $(FUZZ_SOURCES) $(FUZZ_HEADERS)
	@mkdir -p $(FUZZ_DIR)
	clang++ -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	  -fno-omit-frame-pointer -DUNROLL_NO_CACHE -I. $(FUZZ_SOURCES) -lfmt -o $@
