#!/usr/bin/env bash
# Builds the libFuzzer harnesses of tests/fuzz (clang, ASan + UBSan, no libtorch
# linked) into build-fuzz/ and runs each for FUZZ_SECONDS. Exits non-zero when a
# harness finds a crash, a sanitizer report, a leak, a timeout or an
# out-of-memory, printing the reproducer. Idempotent.
#
#   scripts/fuzz.sh                      every harness, FUZZ_SECONDS (30) each
#   scripts/fuzz.sh jinja records        only these (names as in tests/fuzz/corpus/)
#   FUZZ_SECONDS=3600 FUZZ_FORKS=2 scripts/fuzz.sh jinja    longer, 2 worker processes
#
# Inputs: the committed seeds tests/fuzz/corpus/<name>/, the reproducers of
# past findings tests/fuzz/crashes/<name>-* (each replayed first: they must
# no longer crash), and, when the shared assets sit beside the checkout
# (../shared/assets), real chat templates, tokenizer configs and datasets,
# copied into build-fuzz/seeds/ (never into the repository).
# What the fuzzer learns accumulates in build-fuzz/corpus/<name>/; what it
# finds lands in build-fuzz/artifacts/<name>/.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${FUZZ_BUILD:-$root/build-fuzz}"
seconds="${FUZZ_SECONDS:-30}"
forks="${FUZZ_FORKS:-0}"
jobs="${FUZZ_BUILD_JOBS:-2}"
cxx="${FUZZ_CXX:-clang++-16}"  # clang 14 rejects C++20 the sources use
shared_assets="${FUZZ_SHARED_ASSETS:-$root/../shared/assets}"
seed_limit=$((64 * 1024))  # bytes: larger real files slow every mutation down

# Stacks with function names and lines.
symbolizer="$(command -v llvm-symbolizer || ls /usr/lib/llvm-*/bin/llvm-symbolizer 2>/dev/null | tail -n 1 || true)"
[ -n "$symbolizer" ] && export ASAN_SYMBOLIZER_PATH="$symbolizer" UBSAN_SYMBOLIZER_PATH="$symbolizer"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1}"
# ASan frames are 3-4x a release build's: a recursion the code bounds (the
# Jinja engine's 500 macro calls need ~2.5 MB in release) would overflow the
# default 8 MB here. 32 MB keeps the release margin; unbounded recursion
# still overflows it within a few thousand levels.
ulimit -s 32768 2>/dev/null || ulimit -s unlimited 2>/dev/null || true

log() { printf 'fuzz: %s\n' "$*" >&2; }

# ccache hits across clones and CI checkouts, as the Makefile sets them.
export CCACHE_BASEDIR="$root"
export CCACHE_NOHASHDIR=true
export CCACHE_SLOPPINESS=pch_defines,time_macros,include_file_mtime,include_file_ctime

command -v "$cxx" >/dev/null || { log "$cxx not found: run scripts/setup.sh (Debian packages clang-16, libclang-rt-16-dev)"; exit 2; }
cxx="$(command -v "$cxx")"
# A build folder configured with another compiler starts over.
if [ -f "$build/CMakeCache.txt" ] && ! grep -qx "CMAKE_CXX_COMPILER:[A-Z]*=$cxx" "$build/CMakeCache.txt"; then
  rm -rf "$build/CMakeCache.txt" "$build/CMakeFiles"
fi
configure=(-S "$root/tests/fuzz" -B "$build" -DCMAKE_CXX_COMPILER="$cxx")
command -v ninja >/dev/null && [ ! -f "$build/CMakeCache.txt" ] && configure+=(-G Ninja)
command -v ccache >/dev/null && configure+=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
start=$SECONDS
mkdir -p "$build"
cmake "${configure[@]}" >"$build/configure.log" 2>&1 || { cat "$build/configure.log" >&2; exit 2; }
cmake --build "$build" -j "$jobs"
log "build: $((SECONDS - start)) s"

mapfile -t built < "$build/fuzz_targets.txt"
if [ $# -gt 0 ]; then
  targets=()
  for name in "$@"; do
    name="${name#fuzz_}"
    for target in "${built[@]}"; do
      case "$target" in fuzz_"$name"|fuzz_"$name"_*|fuzz_*_"$name") targets+=("$target") ;; esac
    done
  done
  [ ${#targets[@]} -gt 0 ] || { log "no harness matches: $* (built: ${built[*]})"; exit 2; }
else
  targets=("${built[@]}")
fi

# Real inputs from the shared assets, when present, for one harness.
shared_seeds() {
  local name=$1 out=$2 file
  [ -d "$shared_assets" ] || return 0
  case "$name" in
    jinja)
      for file in "$shared_assets"/chat_templates/*.jinja; do
        [ -f "$file" ] && cp "$file" "$out/"
      done ;;
    tokenizer_json)
      # The committed small tokenizer.json with each real tokenizer_config.json
      # (chat templates, added tokens); the real tokenizer.json files are MBs.
      for file in "$shared_assets"/tokenizers/*/tokenizer_config.json; do
        [ -f "$file" ] || continue
        { cat "$root/tests/data/tokenizers/tiny-bpe/tokenizer.json"; printf '\0'; cat "$file"; } \
          > "$out/$(basename "$(dirname "$file")")-config"
      done ;;
    json_records)
      for file in "$shared_assets"/datasets/*/*.json "$shared_assets"/datasets/*/*.jsonl; do
        [ -f "$file" ] && cp "$file" "$out/"
      done ;;
  esac
  find "$out" -type f -size +"${seed_limit}"c -delete
}

failed=()
for target in "${targets[@]}"; do
  name="${target#fuzz_}"
  binary="$build/$target"
  seeds="$root/tests/fuzz/corpus/$name"
  work="$build/corpus/$name"
  shared="$build/seeds/$name"
  artifacts="$build/artifacts/$name"
  mkdir -p "$work" "$artifacts"
  rm -rf "$shared" && mkdir -p "$shared"
  shared_seeds "$name" "$shared"

  # Past findings first: each must run clean now.
  regressed=()
  for file in "$root"/tests/fuzz/crashes/"$name"-*; do
    [ -f "$file" ] || continue
    log_file="$artifacts/replay-$(basename "$file").log"
    if ! "$binary" -rss_limit_mb=2048 -timeout=10 "$file" >"$log_file" 2>&1; then
      grep -m1 -A12 -E '^==[0-9]+==ERROR|runtime error|==fuzz==|Assertion|ERROR: libFuzzer' "$log_file" >&2 || tail -n 20 "$log_file" >&2
      log "$name: past finding ${file#"$root"/} crashes again (log: $log_file)"
      regressed+=("$(basename "$file")")
    fi
  done
  if [ ${#regressed[@]} -gt 0 ]; then
    failed+=("$name (crashes again: ${regressed[*]})")
    continue
  fi

  options=(-max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1
           -artifact_prefix="$artifacts/")
  [ -f "$root/tests/fuzz/$name.dict" ] && options+=(-dict="$root/tests/fuzz/$name.dict")
  [ "$forks" -gt 0 ] && options+=(-fork="$forks" -ignore_crashes=0)
  log "$name: fuzzing for ${seconds} s (corpus: $work, seeds: tests/fuzz/corpus/$name $( [ -n "$(ls -A "$shared")" ] && echo "+ $(ls "$shared" | wc -l) shared"))"
  status=0
  "$binary" "${options[@]}" "$work" "$seeds" "$shared" >"$artifacts/fuzz.log" 2>&1 || status=$?
  grep -E '^#[0-9]+[[:space:]]+(INITED|DONE)|^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb|new_units_added)' \
    "$artifacts/fuzz.log" | sed "s/^/fuzz: $name: /" >&2 || true
  if [ "$status" -ne 0 ]; then
    reproducer=$(ls -t "$artifacts"/crash-* "$artifacts"/leak-* "$artifacts"/timeout-* "$artifacts"/oom-* 2>/dev/null | head -n 1 || true)
    grep -m1 -A40 -E '^==[0-9]+==ERROR|runtime error|==fuzz==|ERROR: libFuzzer' "$artifacts/fuzz.log" >&2 || tail -n 40 "$artifacts/fuzz.log" >&2
    log "$name: FAILED (exit $status); log: $artifacts/fuzz.log"
    if [ -n "$reproducer" ]; then
      log "$name: reproducer: $reproducer"
      log "$name: reproduce with: (ulimit -s 32768; $binary $reproducer)"
      log "$name: keep it as a regression case: cp $reproducer tests/fuzz/crashes/$name-<what-it-is>"
    fi
    failed+=("$name")
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  log "failed: ${failed[*]}"
  exit 1
fi
log "no findings in ${#targets[@]} harness(es), ${seconds} s each"
