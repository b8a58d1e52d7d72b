# `make fuzz` (included by the top-level Makefile): every libFuzzer target in tests/fuzz under
# AddressSanitizer and UBSan for FUZZ_SECONDS each; `make fuzz-NAME` runs one. Each starts from
# its committed seeds (tests/fuzz/corpus/NAME, the safetensors one from tests/fixtures/io) and
# tests/fuzz/NAME.dict when there is one; the corpus grows in $(FUZZ_DIR)/corpus/NAME, a finding
# lands in $(FUZZ_DIR)/crashes/ and fails the target. Needs clang (the main build does not).
FUZZ_DIR ?= build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_TARGETS = safetensors utf8 corpus metadata charlm_cli pgm cpp_tags

# What each target links besides tests/fuzz/fuzz_NAME.cpp.
FUZZ_SOURCES_safetensors = framework/io/safetensors.cpp framework/io/atomic_file.cpp \
                           framework/memory.cpp
FUZZ_SOURCES_utf8 = models/text/utf8.cpp
FUZZ_SOURCES_corpus = models/text/utf8.cpp models/text/corpus.cpp models/text/vocabulary.cpp \
                      models/text/batches.cpp
FUZZ_SOURCES_metadata = models/char_lm/config.cpp framework/io/metadata.cpp models/text/vocabulary.cpp models/text/utf8.cpp
FUZZ_SOURCES_charlm_cli = examples/charlm/cli.cpp examples/common/cli_checks.cpp \
                          models/char_lm/cell_clamp.cpp $(FUZZ_SOURCES_metadata)
FUZZ_SOURCES_pgm = models/image/pgm.cpp framework/io/atomic_file.cpp
FUZZ_SOURCES_cpp_tags = models/tasks/cpp_tags.cpp
FUZZ_SEEDS_safetensors = tests/fixtures/io

FUZZ_CXXFLAGS = -std=c++20 -g -O1 -fsanitize=fuzzer-no-link,address,undefined \
                -fno-sanitize-recover=undefined -fno-omit-frame-pointer -DUNROLL_NO_CACHE \
                -I. -I$(FUZZ_DIR)/include -MMD -MP
FUZZ_VERSION_HEADER = $(FUZZ_DIR)/include/framework/version.hpp

.PHONY: fuzz $(addprefix fuzz-,$(FUZZ_TARGETS))
fuzz: $(addprefix fuzz-,$(FUZZ_TARGETS))

define fuzz_target
$(FUZZ_DIR)/fuzz_$(1): $(patsubst %.cpp,$(FUZZ_DIR)/obj/%.o,tests/fuzz/fuzz_$(1).cpp $(FUZZ_SOURCES_$(1)))
	clang++ -fsanitize=fuzzer,address,undefined $$^ -lfmt -o $$@

fuzz-$(1): deps $(FUZZ_DIR)/fuzz_$(1)
	@mkdir -p $(FUZZ_DIR)/corpus/$(1) $(FUZZ_DIR)/crashes
	$(FUZZ_DIR)/fuzz_$(1) -max_total_time=$$(FUZZ_SECONDS) -print_final_stats=1 \
	  $(if $(wildcard tests/fuzz/$(1).dict),-dict=tests/fuzz/$(1).dict) \
	  -artifact_prefix=$(FUZZ_DIR)/crashes/$(1)- $(FUZZ_DIR)/corpus/$(1) \
	  $(or $(FUZZ_SEEDS_$(1)),tests/fuzz/corpus/$(1))
endef
$(foreach t,$(FUZZ_TARGETS),$(eval $(call fuzz_target,$(t))))

$(FUZZ_DIR)/obj/%.o: %.cpp | $(FUZZ_VERSION_HEADER)
	@mkdir -p $(@D)
	$(shell command -v ccache) clang++ $(FUZZ_CXXFLAGS) -c $< -o $@

# framework/version.hpp as CMake configures it (UNROLL_VERSION: the top-level Makefile's).
$(FUZZ_VERSION_HEADER): framework/version.hpp.in CMakeLists.txt
	@mkdir -p $(@D)
	@sed -e 's/@PROJECT_VERSION@/$(UNROLL_VERSION)/' \
	  -e 's/@PROJECT_VERSION_MAJOR@/$(word 1,$(subst ., ,$(UNROLL_VERSION)))/' \
	  -e 's/@PROJECT_VERSION_MINOR@/$(word 2,$(subst ., ,$(UNROLL_VERSION)))/' \
	  -e 's/@PROJECT_VERSION_PATCH@/$(word 3,$(subst ., ,$(UNROLL_VERSION)))/' $< > $@

-include $(shell find $(FUZZ_DIR)/obj -name '*.d' 2>/dev/null)
