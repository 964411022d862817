"""Exporting an HF checkpoint folder to GGUF: tunepipe export beside llama.cpp's own converter, on one model.

The model is shaped as Qwen2.5-0.5B (494M parameters: hidden 896, 24 layers, 14 heads / 2 KV heads, vocabulary
151,936, tied embeddings), with random weights stored in bf16 as the real checkpoint is, and Qwen2.5's real
tokenizer from the shared assets; transformers writes it once per run. Both sides convert the same folder (for a
fine-tune: the folder `tunepipe merge` writes; tunepipe can also take the base folder and --adapter):
- tunepipe: `tunepipe export --model DIR --format gguf --type T`;
- llama.cpp: `convert_hf_to_gguf.py DIR --outtype T` from the llama-cpp-python source distribution setup keeps
  (.venv/sdist), with the gguf-py it vendors.
For each type (f16, q8_0), best wall time of --repeats runs and the peak RSS of each process (wait4), and whether
both files hold the same tensors (names, types, shapes). Prints a table and every figure as one JSON line.

    .venv/bin/python bench/gguf_export.py [--build build] [--repeats 2] [--types f16,q8_0]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent / "tests" / "python"))
from machine_info import machine  # noqa: E402
from tunepipe_env import SHARED_ASSETS  # noqa: E402

QWEN25_05B = dict(hidden_size=896, intermediate_size=4864, num_hidden_layers=24, num_attention_heads=14,
                  num_key_value_heads=2, vocab_size=151936, max_position_embeddings=32768, rope_theta=1000000.0,
                  rms_norm_eps=1e-6, tie_word_embeddings=True)


def write_model(folder: Path) -> None:
    import torch
    from transformers import AutoModelForCausalLM, Qwen2Config
    model = AutoModelForCausalLM.from_config(Qwen2Config(**QWEN25_05B), dtype=torch.bfloat16)
    model.save_pretrained(folder)
    for file in ("vocab.json", "merges.txt", "tokenizer_config.json"):
        shutil.copy(SHARED_ASSETS / "tokenizers" / "qwen2.5" / file, folder / file)


def converter(venv: Path, into: Path) -> Path:
    archives = sorted((venv / "sdist").glob("llama_cpp_python-*.tar.gz"))
    if not archives:
        sys.exit(f"no llama-cpp-python source distribution in {venv / 'sdist'}: scripts/setup.sh keeps it there")
    with tarfile.open(archives[-1]) as archive:
        members = [m for m in archive.getmembers() if "/vendor/llama.cpp/" in m.name and
                   (m.name.endswith("convert_hf_to_gguf.py") or "/gguf-py/" in m.name or "/conversion/" in m.name)]
        archive.extractall(into, members=members, filter="data")
    return next(into.rglob("convert_hf_to_gguf.py"))


def timed(command: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of one process."""
    started = time.time()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.time() - started
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{' '.join(command)} failed:\n{process.stderr.read().decode()[-3000:]}")
    return seconds, usage.ru_maxrss / 1024


def tensors(path: Path) -> list[tuple[str, str, tuple[int, ...]]]:
    import gguf
    return sorted((t.name, t.tensor_type.name, tuple(int(d) for d in t.shape)) for t in gguf.GGUFReader(path).tensors)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", type=Path, default=BENCH.parent / "build")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--types", default="f16,q8_0")
    args = parser.parse_args()
    tunepipe = args.build / "bin" / "tunepipe"
    venv = Path(sys.prefix)
    print(machine(os.cpu_count() or 1))
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder, out = Path(tmp) / "qwen2.5-0.5b-shape", Path(tmp) / "out"
        out.mkdir()
        write_model(folder)
        script = converter(venv, Path(tmp) / "llama.cpp")
        for kind in args.types.split(","):
            ours_file, theirs_file = out / f"ours-{kind}.gguf", out / f"llama-cpp-{kind}.gguf"
            ours = [timed([str(tunepipe), "export", "--model", str(folder), "--format", "gguf", "--type", kind,
                           "--out", str(ours_file), "--force"]) for _ in range(args.repeats)]
            theirs = [timed([sys.executable, str(script), str(folder), "--outtype", kind, "--outfile",
                             str(theirs_file)]) for _ in range(args.repeats)]
            results[kind] = {"tunepipe_s": min(s for s, _ in ours), "tunepipe_peak_rss_mib": max(m for _, m in ours),
                             "llama_cpp_s": min(s for s, _ in theirs),
                             "llama_cpp_peak_rss_mib": max(m for _, m in theirs),
                             "same_tensors": tensors(ours_file) == tensors(theirs_file)}
            for file in (ours_file, theirs_file, ours_file.with_suffix(".Modelfile")):
                file.unlink(missing_ok=True)
    print(f"Qwen2.5-0.5B-shaped folder (bf16 safetensors) → GGUF, best of {args.repeats}")
    print(f"{'type':6}{'tunepipe s':>12}{'llama.cpp s':>13}{'ratio':>7}{'tunepipe MiB':>14}{'llama.cpp MiB':>15}"
          f"  same tensors")
    for kind, r in results.items():
        print(f"{kind:6}{r['tunepipe_s']:12.1f}{r['llama_cpp_s']:13.1f}{r['tunepipe_s'] / r['llama_cpp_s']:7.2f}"
              f"{r['tunepipe_peak_rss_mib']:14.0f}{r['llama_cpp_peak_rss_mib']:15.0f}  {r['same_tensors']}")
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
