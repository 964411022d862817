#!/usr/bin/env bash
# The GPU check (bench/README.md, "On a GPU"): on a machine with an NVIDIA GPU whose python3 has a CUDA torch
# but which reaches no package registry, build tunepipe against that torch from Debian packages brought along,
# then run the CUDA parity tests and the LoRA benchmark against HF + peft there.
#
#   scripts/gpu-check.sh bundle [DIR]          on a machine with apt-get and ../shared: puts into DIR (default
#                                              build/gpu-bundle) the .deb files of the build dependencies, the
#                                              Qwen2.5 tokenizer the benchmark checkpoints use and the quickstart
#                                              model and data the training tests use (make quickstart-assets)
#   scripts/gpu-check.sh run [DIR] [LOG_DIR] [all|bench]
#                                              on the GPU machine, in a checkout with DIR beside it: unpacks the
#                                              packages into a private folder (nothing is installed), builds into
#                                              build-gpu, runs the checks (bench: the benchmarks alone); each
#                                              step's output also goes to LOG_DIR/gpu-check.log
#
# The time limits below keep the whole run inside 8 minutes on a 16-core machine.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

# The build dependencies of scripts/setup.sh that a CUDA image lacks, with the libraries they link to.
packages=(
  libfmt-dev libfmt9 nlohmann-json3-dev libtomlplusplus-dev libtomlplusplus3
  libboost1.74-dev libboost-program-options1.74-dev libboost-program-options1.74.0
  libssl-dev libssl3 libpcre2-dev libpcre2-8-0 libsentencepiece-dev libsentencepiece0
  libutf8proc-dev libutf8proc2 libjemalloc-dev libjemalloc2 libcurl4-openssl-dev libcurl4
  pkgconf pkgconf-bin libpkgconf3 libgloo-dev
)

log() { printf 'gpu-check: %s\n' "$*" >&2; }

bundle() {
  local dir="$1"
  local assets="${TUNEPIPE_SHARED_ASSETS:-$root/../shared/assets}"
  [ -d "$assets/tokenizers/qwen2.5" ] || { log "no $assets/tokenizers/qwen2.5: set TUNEPIPE_SHARED_ASSETS"; exit 1; }
  [ -f "$root/build/quickstart/STAMP" ] || { log "no build/quickstart: run make quickstart-assets first"; exit 1; }
  rm -rf "$dir.partial" && mkdir -p "$dir.partial/debs" "$dir.partial/assets/tokenizers"
  (cd "$dir.partial/debs" && apt-get download -q "${packages[@]}") ||
    { log "apt-get download failed: run apt-get update first"; exit 1; }
  cp -r "$assets/tokenizers/qwen2.5" "$dir.partial/assets/tokenizers/"
  cp -r "$root/build/quickstart" "$dir.partial/quickstart"
  rm -rf "$dir" && mv "$dir.partial" "$dir"
  log "bundle ready in $dir ($(du -sh "$dir" | cut -f1))"
}

# A step of the run: its output is shown and logged; a failure is reported and the run goes on, so one
# failing check still leaves the figures of the others.
failures=()
step() {
  local name="$1" limit="$2"
  shift 2
  log "== $name (limit ${limit}s)"
  local start=$SECONDS
  if timeout "$limit" "$@" 2>&1 | tee -a "$logfile"; then
    log "== $name: passed in $((SECONDS - start)) s"
  else
    log "== $name: FAILED after $((SECONDS - start)) s"
    failures+=("$name")
  fi
}

run() {
  local dir="$1" checks="$3"
  logfile="$2/gpu-check.log"
  mkdir -p "$2" && : >"$logfile"
  exec 2> >(tee -a "$logfile" >&2)
  [ -d "$dir/debs" ] || { log "no $dir/debs: make the bundle with scripts/gpu-check.sh bundle"; exit 1; }
  local python
  python="$(command -v python3)"
  log "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader >&2 || true
  "$python" -c 'import torch, transformers, peft; print("torch", torch.__version__, "CUDA", torch.version.cuda,
"| transformers", transformers.__version__, "| peft", peft.__version__)' >&2
  "$python" -c 'import sys, torch; sys.exit(0 if torch.cuda.is_available() else "gpu-check: torch sees no GPU here")'
  c++ --version | head -1 >&2

  # Unpacked, not installed: the packages' files under one private root, found through the search paths below.
  local deps=/tmp/tunepipe-gpu-deps
  rm -rf "$deps" && mkdir -p "$deps"
  for deb in "$dir"/debs/*.deb; do dpkg-deb -x "$deb" "$deps"; done
  local lib="$deps/usr/lib/x86_64-linux-gnu"
  export CPATH="$deps/usr/include:$deps/usr/include/x86_64-linux-gnu${CPATH:+:$CPATH}"
  export LIBRARY_PATH="$lib${LIBRARY_PATH:+:$LIBRARY_PATH}"
  export PKG_CONFIG_LIBDIR="$lib/pkgconfig:$deps/usr/share/pkgconfig"
  export PKG_CONFIG_SYSROOT_DIR="$deps"
  # The packaged pkgconf needs its own library; the system's pkg-config, where there is one, does not.
  local pkg_config
  pkg_config="$(command -v pkg-config || true)"
  if [ -z "$pkg_config" ]; then
    pkg_config="$deps/pkg-config"
    printf '#!/bin/sh\nLD_LIBRARY_PATH=%s exec %s "$@"\n' "$lib" "$deps/usr/bin/pkgconf" >"$pkg_config"
    chmod +x "$pkg_config"
  fi

  # CMake takes LIBRARY_PATH's folder for a system one and leaves it out of the binaries' run path: it goes in by
  # hand, and the linker finds the libraries our shared libraries need (utf8proc, …) through -rpath-link.
  step "configure" 120 cmake -S "$root" -B "$root/build-gpu" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DTUNEPIPE_BUILD_TESTS=OFF -DTUNEPIPE_PYTHON="$python" -DCMAKE_PREFIX_PATH="$deps/usr" \
    -DOPENSSL_ROOT_DIR="$deps/usr" -DPKG_CONFIG_EXECUTABLE="$pkg_config" \
    -DCMAKE_EXE_LINKER_FLAGS="-Wl,-rpath-link,$lib" -DCMAKE_SHARED_LINKER_FLAGS="-Wl,-rpath-link,$lib" \
    -DCMAKE_MODULE_LINKER_FLAGS="-Wl,-rpath-link,$lib" -DCMAKE_BUILD_RPATH="$lib"
  step "build" 330 cmake --build "$root/build-gpu" -j "$(nproc)"
  [ -x "$root/build-gpu/bin/tunepipe" ] || { log "no tunepipe binary: stopping"; exit 1; }

  mkdir -p "$root/build" && rm -rf "$root/build/quickstart" && cp -r "$dir/quickstart" "$root/build/quickstart"
  export TUNEPIPE_BUILD_DIR="$root/build-gpu" TUNEPIPE_SHARED_ASSETS="$dir/assets" PYTHONUNBUFFERED=1
  [ "$checks" = bench ] || step "CUDA parity tests" 150 "$python" -m pytest -q -p no:cacheprovider -rs \
    -k "cuda or gpu" \
    "$root/tests/python/test_model_parity.py" "$root/tests/python/test_generation.py" \
    "$root/tests/python/test_training.py"
  # The smaller shape's run also prints where a step's GPU time goes (trainer option profile_steps).
  step "LoRA benchmark qwen2-0.5b bf16" 150 "$python" "$root/bench/lora_training.py" --build "$root/build-gpu" \
    --device cuda --shape qwen2-0.5b --dtypes bf16 --seq 1024 --batch 8 --steps 6 --threads "$(nproc)" --profile 2
  step "LoRA benchmark qwen2-1.5b bf16" 150 "$python" "$root/bench/lora_training.py" --build "$root/build-gpu" \
    --device cuda --shape qwen2-1.5b --dtypes bf16 --seq 1024 --batch 8 --steps 6 --threads "$(nproc)"
  if [ ${#failures[@]} -eq 0 ]; then
    log "all steps passed"
  else
    log "failed: ${failures[*]}"
    exit 1
  fi
}

case "${1:-}" in
  bundle) bundle "${2:-$root/build/gpu-bundle}" ;;
  run) run "${2:-$root/build/gpu-bundle}" "${3:-${OUT:-$root/build}}" "${4:-all}" ;;
  *) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
