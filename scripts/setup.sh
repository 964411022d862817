#!/usr/bin/env bash
# Installs everything tunepipe needs, idempotently: Debian packages, then a
# Python environment (the pinned torch wheel supplies libtorch; the reference
# stack serves tests and benchmarks). The environment lives in a per-user cache
# keyed by the pinned versions so clones and CI runs on one machine share it;
# .venv in the checkout points at it.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
requirements="$root/scripts/requirements.txt"
requirements_no_deps="$root/scripts/requirements-no-deps.txt"
requirements_llama_cpp="$root/scripts/requirements-llama-cpp.txt"
llama_cpp_cmake_args="-DGGML_NATIVE=OFF -DLLAVA_BUILD=OFF -DLLAMA_BUILD_TOOLS=OFF -DLLAMA_BUILD_EXAMPLES=OFF \
-DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_SERVER=OFF"

debian_packages=(
  build-essential cmake ninja-build ccache pkg-config git
  libsentencepiece-dev libtomlplusplus-dev libfmt-dev catch2 libgloo-dev
  libboost-dev libboost-program-options-dev nlohmann-json3-dev
  libpcre2-dev libutf8proc-dev libcurl4-openssl-dev libjemalloc-dev libssl-dev
  chromium-headless-shell clang-16 libclang-rt-16-dev
  golang-go
)

log() { printf 'setup: %s\n' "$*" >&2; }

install_debian_packages() {
  local missing=()
  for pkg in "${debian_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  log "installing Debian packages: ${missing[*]}"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
}

python_for_venv() {
  local py="${PYTHON:-python3}"
  if ! "$py" -c 'import venv, ensurepip' 2>/dev/null; then
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    log "installing python3-venv"
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q python3-venv python3-pip >&2
  fi
  echo "$py"
}

create_python_env() {
  local py key cache env
  py="$(python_for_venv)"
  key="$( { cat "$requirements" "$requirements_no_deps" "$requirements_llama_cpp"; echo "$llama_cpp_cmake_args"
            "$py" -c 'import sys; print(sys.version)'; } | sha256sum | cut -c1-16)"
  cache="${TUNEPIPE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tunepipe}"
  env="$cache/venv-$key"
  mkdir -p "$cache"
  (
    flock 9
    if [ ! -f "$env/.complete" ]; then
      rm -rf "$env"
      log "creating Python environment $env (torch wheel and reference stack; several GB, once per machine)"
      "$py" -m venv "$env"
      "$env/bin/python" -m pip install -q --upgrade pip
      "$env/bin/python" -m pip install -q -r "$requirements"
      log "building llama.cpp (llama-cpp-python from its source distribution; a few minutes)"
      # The source distribution is kept: bench/gguf_export.py runs llama.cpp's converter from it.
      "$env/bin/python" -m pip download -q --no-deps --no-binary :all: -d "$env/sdist" -r "$requirements_llama_cpp"
      CMAKE_ARGS="$llama_cpp_cmake_args" "$env/bin/python" -m pip install -q "$env"/sdist/llama_cpp_python-*.tar.gz
      "$env/bin/python" -m pip install -q --no-deps -r "$requirements_no_deps"
      touch "$env/.complete"
    fi
  ) 9>"$cache/venv-$key.lock"
  ln -sfn "$env" "$root/.venv"
}

install_debian_packages
create_python_env
log "ready (.venv -> $(readlink "$root/.venv"))"
