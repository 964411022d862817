#!/usr/bin/env python3
"""LoRA training side by side: tunepipe's sft trainer against HF Trainer + peft on the same checkpoint shape,
rows and settings (r = 8 on all seven projections, sequence 512, batch 4, fp32 and bf16), both with the same
intra-op threads. Prints tokens/s and peak RSS as ratios; our run also with activation checkpointing; and each
side's share of the machine's matrix-multiply ceiling (bench/gemm_ceiling.py says how work is counted).

On a GPU (--device cuda) both sides train there; memory is then the GPU's peak allocation (torch's caching
allocator on both sides) and the ceiling the GPU's matrix product in the run's dtype.

--profile N adds a run of ours that records N steps after the first with torch's profiler and prints its
profile.txt: where a step's time goes by phase, kind of work and operator (the timed runs are not profiled).

Usage: lora_training.py --build build [--shape qwen2-0.5b|qwen2-1.5b|tiny] [--dtypes fp32,bf16] [--steps 3]
                        [--threads 2] [--seq 512] [--batch 4] [--device cpu|cuda] [--profile N]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from gemm_ceiling import ceiling_flops, training_flops_per_step
from machine_info import machine
from model_checkpoint import checkpoint

REPO = Path(__file__).resolve().parents[1]
TARGETS = '["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]'


def write_rows(path: Path, count: int) -> None:
    """Rows long enough that every sample is cut to the sequence length (keeping its end, the answer)."""
    text = ("Fine-tuning adapts a pretrained language model to one task with a small labelled data set. "
            "微调让预训练的语言模型用少量标注数据适应一个具体任务。") * 40
    with open(path, "w", encoding="utf-8") as f:
        for i in range(count):
            f.write(json.dumps({"text": f"{i} {text}", "answer": f"answer {i}"}, ensure_ascii=False) + "\n")


def pipeline(work: Path, model: Path, dtype: str, args, checkpointing: bool, profile_steps: int = 0) -> Path:
    name = f"{dtype}-{int(checkpointing)}" + ("-profile" if profile_steps else "")
    file = work / f"pipeline-{name}.toml"
    file.write_text(f"""[pipeline]
name = "bench-lora"
output_dir = "{work / f'ours-{name}'}"
[model]
plugin = "hf"
path = "{model}"
dtype = "{dtype}"
device = "{args.device}"
[dataset]
plugin = "jsonl"
train = "{work / 'rows.jsonl'}"
[dataset.fields]
input = "{{text}}"
output = "{{answer}}"
[template]
plugin = "chatml"
max_length = {args.seq}
truncation_side = "left"
[adapter]
plugin = "lora"
r = 8
alpha = 16
target_modules = {TARGETS}
[trainer]
plugin = "sft"
max_steps = {1 + profile_steps if profile_steps else args.steps}
profile_steps = {profile_steps}
batch_size = {args.batch}
shuffle = false
logging_steps = 1
gradient_checkpointing = {str(checkpointing).lower()}
[[sinks]]
plugin = "jsonl"
""")
    return file


def run_checked(command: list[str]) -> subprocess.CompletedProcess:
    """The command's result; on failure its output is shown, not only its exit status."""
    proc = subprocess.run(command, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"{' '.join(command)} failed ({proc.returncode}):\n{proc.stdout[-2000:]}{proc.stderr[-4000:]}")
    return proc


def ours(tunepipe: Path, file: Path, out: Path, device: str) -> dict:
    run_checked([str(tunepipe), "run", str(file)])
    return speed_and_memory(out, device)


def speed_and_memory(out: Path, device: str) -> dict:
    """Tokens/s of the steps after the first and the peak memory, from a finished run's events."""
    events = [json.loads(line) for line in (out / "events.jsonl").read_text().splitlines()]
    speed = {e["step"]: e["value"] for e in events if e.get("name") == "train/tokens_per_s"}
    timed = [v for step, v in speed.items() if step > 1] or list(speed.values())
    memory = "memory/peak_rss_mib" if device == "cpu" else "memory/cuda_peak_allocated_mib"
    peak = max(e["value"] for e in events if e.get("name") == memory)
    # the harmonic mean: every step has the same number of tokens
    return {"tokens_per_s": len(timed) / sum(1 / v for v in timed), "peak_mib": peak}


def reference(model: Path, rows: Path, dtype: str, args, work: Path) -> dict:
    proc = run_checked([sys.executable, str(REPO / "bench" / "lora_reference.py"), str(model), str(rows), dtype,
                        str(args.steps), str(args.batch), "0", str(work / f"hf-{dtype}"), args.device])
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["peak_mib"] = result["peak_rss_mib" if args.device == "cpu" else "cuda_peak_allocated_mib"]
    return result


def trained_per_row(tokenized: Path) -> float:
    rows = [json.loads(line) for line in tokenized.read_text().splitlines()]
    return sum(sum(label != -100 for label in row["labels"]) for row in rows) / len(rows)


def device_name(device: str, threads: int) -> str:
    if device == "cpu":
        return machine(threads)
    import torch

    return f"{torch.cuda.get_device_name(0)}, {threads} host threads each side"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build", type=Path, default=REPO / "build")
    parser.add_argument("--shape", default="qwen2-0.5b")
    parser.add_argument("--dtypes", default="fp32,bf16")
    parser.add_argument("--steps", type=int, default=3, help="optimizer steps; the first is not timed")
    parser.add_argument("--seq", type=int, default=512)
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    parser.add_argument("--profile", type=int, default=0, metavar="N",
                        help="also profile N steps of ours (after an unprofiled first) and print the table")
    args = parser.parse_args()
    os.environ["OMP_NUM_THREADS"] = os.environ["MKL_NUM_THREADS"] = str(args.threads)
    tunepipe = (args.build / "bin" / "tunepipe").resolve()
    model = checkpoint(args.build.resolve() / "bench-models", args.shape)
    print(f"{args.shape}: LoRA r=8 on 7 projections, sequence {args.seq}, batch {args.batch}, {args.steps} steps "
          f"(first untimed), on {device_name(args.device, args.threads)}")
    memory = "peak MiB" if args.device == "cpu" else "GPU MiB"
    print(f"{'dtype':6} {'run':28} {'tokens/s':>9} {'HF':>9} {'ratio':>6}  {memory:>9} {'HF':>9} {'ratio':>6}")
    with tempfile.TemporaryDirectory(prefix="bench-lora-") as tmp:
        work = Path(tmp)
        write_rows(work / "rows.jsonl", args.steps * args.batch)
        for dtype in args.dtypes.split(","):
            plain = ours(tunepipe, pipeline(work, model, dtype, args, False), work / f"ours-{dtype}-0", args.device)
            tokenized = work / f"ours-{dtype}-0" / "tokenized" / "train.jsonl"
            hf = reference(model, tokenized, dtype, args, work)
            ckpt = ours(tunepipe, pipeline(work, model, dtype, args, True), work / f"ours-{dtype}-1", args.device)
            for name, run in (("tunepipe", plain), ("tunepipe + act. checkpointing", ckpt)):
                print(f"{dtype:6} {name:28} {run['tokens_per_s']:9.1f} {hf['tokens_per_s']:9.1f} "
                      f"{run['tokens_per_s'] / hf['tokens_per_s']:5.2f}×  {run['peak_mib']:9.0f} "
                      f"{hf['peak_mib']:9.0f} {run['peak_mib'] / hf['peak_mib']:5.2f}×")
            slowdown = plain["tokens_per_s"] / ckpt["tokens_per_s"]
            print(f"{dtype:6} checkpointing slowdown {slowdown:.2f}× (goal ≤ 1.25×)")
            config = json.loads((model / "config.json").read_text())
            ceiling = ceiling_flops(config["hidden_size"], config["intermediate_size"], args.batch * args.seq, dtype,
                                    args.threads, device=args.device)
            per_token = training_flops_per_step(model, 8, args.batch, args.seq,
                                                round(trained_per_row(tokenized))) / (args.batch * args.seq)
            share = {side: run["tokens_per_s"] * per_token / ceiling for side, run in (("ours", plain), ("HF", hf))}
            print(f"{dtype:6} GEMM ceiling {ceiling / 1e9:.1f} GFLOP/s; share reached: tunepipe {share['ours']:.0%}, "
                  f"HF {share['HF']:.0%} (HF computes the vocabulary projection at every position: more work than "
                  f"counted)")
            if args.profile:
                run_checked([str(tunepipe), "run", str(pipeline(work, model, dtype, args, False, args.profile))])
                print(f"\n{dtype}: " + (work / f"ours-{dtype}-0-profile" / "profile.txt").read_text())
    print("goals: " + ("bf16 ≥ 50% of the GEMM ceiling where bf16 is native (80% where it is widened), fp32 ≥ 85%, "
                       "≤ 0.4× peak memory" if args.device == "cpu" else "≥ 2× tokens/s, ≤ 0.5× GPU memory"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
