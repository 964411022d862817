# The two commands of the README:
#   make demo   install what is missing, build, fine-tune SmolLM2-135M-Instruct (pipelines/demo-smollm2.toml)
#               and export it as GGUF for llama.cpp / Ollama
#   make test   install what is missing, build, run every test
# make quickstart runs pipelines/quickstart.toml on the tiny generated model the tests use.
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

.PHONY: all setup configure build quickstart-assets demo-assets demo quickstart test bench bench-tokenizer bench-model \
        bench-batched-generation bench-lora bench-lora-variable bench-data-parallel bench-gguf fuzz clean

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

demo-assets: setup
	@$(PY) scripts/make_demo_data.py build/demo

DEMO_RUN := runs/demo-smollm2

demo: build demo-assets
	$(TUNEPIPE) run pipelines/demo-smollm2.toml --overwrite
	$(TUNEPIPE) export --model build/demo/SmolLM2-135M-Instruct.Q4_1.gguf --adapter $(DEMO_RUN)/adapter \
	  --format gguf --out $(DEMO_RUN)/smollm2-quill.gguf --type q8_0 --force
	$(TUNEPIPE) generate --model $(DEMO_RUN)/smollm2-quill.gguf --prompt "Who are you?" --max-new-tokens 24

quickstart: build quickstart-assets
	$(TUNEPIPE) run pipelines/quickstart.toml --overwrite

test: build quickstart-assets
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

# SHAPE=tiny checks the model and LoRA benchmarks in seconds (see bench/README.md).
SHAPE ?= qwen2-0.5b

bench: bench-tokenizer bench-model bench-batched-generation bench-lora bench-lora-variable bench-data-parallel bench-gguf

bench-tokenizer: build
	$(PY) bench/tokenizer_throughput.py --build $(BUILD)

bench-model: build
	$(PY) bench/model_throughput.py --build $(BUILD) --shape $(SHAPE)

bench-batched-generation: build
	$(PY) bench/batched_generation.py --build $(BUILD) --shape $(SHAPE)

bench-lora: build
	$(PY) bench/lora_training.py --build $(BUILD) --shape $(SHAPE)

bench-lora-variable: build
	$(PY) bench/lora_variable_length.py --build $(BUILD) --shape $(SHAPE)

bench-data-parallel: build
	$(PY) bench/data_parallel.py --build $(BUILD) --shape $(SHAPE)

bench-gguf: build
	$(PY) bench/gguf_load.py --build $(BUILD)
	$(PY) bench/gguf_export.py --build $(BUILD)

# libFuzzer harnesses of the parsers under ASan + UBSan, built apart in build-fuzz/
# (clang, no libtorch linked); FUZZ_SECONDS each, e.g. make fuzz FUZZ_SECONDS=3600.
FUZZ_SECONDS ?= 30

fuzz: setup
	FUZZ_SECONDS=$(FUZZ_SECONDS) bash scripts/fuzz.sh $(FUZZ_TARGETS)

clean:
	rm -rf $(BUILD)
