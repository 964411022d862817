# The two commands of the README:
#   make demo   install what is missing, build, run pipelines/quickstart.toml
#   make test   install what is missing, build, run every test
BUILD ?= build
PRESET ?= cpu
JOBS ?= $(shell nproc)
PY := .venv/bin/python
TUNEPIPE := $(BUILD)/bin/tunepipe

# ccache hits across clones and CI checkouts: paths relative to the checkout,
# and precompiled headers accepted.
export CCACHE_BASEDIR := $(CURDIR)
export CCACHE_NOHASHDIR := true
export CCACHE_SLOPPINESS := pch_defines,time_macros,include_file_mtime,include_file_ctime

.PHONY: all setup configure build quickstart-assets demo test bench bench-tokenizer bench-model bench-lora fuzz clean

all: build

setup:
	@bash scripts/setup.sh

$(BUILD)/build.ninja: CMakeLists.txt CMakePresets.json | setup
	cmake --preset $(PRESET) -B $(BUILD)

configure: setup $(BUILD)/build.ninja

build: configure
	cmake --build $(BUILD) -j $(JOBS)

quickstart-assets: setup
	@$(PY) scripts/make_quickstart.py build/quickstart

demo: build quickstart-assets
	$(TUNEPIPE) run pipelines/quickstart.toml --overwrite

test: build quickstart-assets
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

# SHAPE=tiny checks the model and LoRA benchmarks in seconds (see bench/README.md).
SHAPE ?= qwen2-0.5b

bench: bench-tokenizer bench-model bench-lora

bench-tokenizer: build
	$(PY) bench/tokenizer_throughput.py --build $(BUILD)

bench-model: build
	$(PY) bench/model_throughput.py --build $(BUILD) --shape $(SHAPE)

bench-lora: build
	$(PY) bench/lora_training.py --build $(BUILD) --shape $(SHAPE)

# libFuzzer harnesses of the parsers under ASan + UBSan, built apart in build-fuzz/
# (clang, no libtorch linked); FUZZ_SECONDS each, e.g. make fuzz FUZZ_SECONDS=3600.
FUZZ_SECONDS ?= 30

fuzz: setup
	FUZZ_SECONDS=$(FUZZ_SECONDS) bash scripts/fuzz.sh $(FUZZ_TARGETS)

clean:
	rm -rf $(BUILD)
