#!/usr/bin/env python3
"""LoRA training on real variable-length rows against the same number of tokens in rows of one length.

The rows are the first --samples records of huanhuan.json (seed 001's role-play data, ../shared/assets), as seed
001 renders them (ChatML with its system prompt; 39–104 tokens for the middle 80% of records). Runs, each over
the same rows in the same dtype, batch and threads:

  fixed      every record lengthened with earlier records' text in front of its instruction, then cut from the
             left to the real rows' mean length: the same rows, tokens and trained answers, one shape
  variable   the real rows, shuffled, each batch right-padded to its longest row
  grouped    the real rows with group_by_length (HF's remedy: rows of like length batched together)
  packed     the real rows packed (packing = true) into rows of up to 512 tokens, one row per step
  HF         Trainer + peft on the variable rows (bench/lora_reference.py)

tokens/s counts real (unpadded) input tokens of the steps after the first, so padding shows as lost speed.
Memory: peak RSS after the first step, after the first epoch and at the end: a high-water mark, it rises until
the longest batch has been seen; with --epochs 2 or more, growth after the first epoch would be a leak.

Usage: lora_variable_length.py --build build [--shape qwen2-0.5b|tiny] [--dtype bf16] [--samples 160]
                               [--batch 4] [--epochs 1] [--pad-to-multiple-of 1] [--threads 2]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
from pathlib import Path

from lora_training import reference, run_checked
from machine_info import machine
from model_checkpoint import ASSETS, checkpoint

HUANHUAN = ASSETS / "datasets" / "huanhuan" / "huanhuan.json"
SYSTEM = "现在你要扮演皇帝身边的女人--甄嬛"


def pipeline(work: Path, name: str, model: Path, data: Path, args, trainer: dict, template: dict) -> Path:
    file = work / f"pipeline-{name}.toml"
    trainer_lines = "".join(f"{key} = {json.dumps(value)}\n" for key, value in trainer.items())
    template_lines = "".join(f"{key} = {json.dumps(value)}\n" for key, value in template.items())
    file.write_text(f"""[pipeline]
name = "bench-variable-{name}"
output_dir = "{work / name}"
seed = 42
[model]
plugin = "hf"
path = "{model}"
dtype = "{args.dtype}"
[dataset]
plugin = "json"
train = "{data}"
[dataset.fields]
input = "{{instruction}}{{input}}"
output = "{{output}}"
[template]
plugin = "chatml"
system = "{SYSTEM}"
{template_lines}[adapter]
plugin = "lora"
r = 8
alpha = 16
target_modules = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
[trainer]
plugin = "sft"
epochs = {args.epochs}
logging_steps = 1
{trainer_lines}[[sinks]]
plugin = "jsonl"
""", encoding="utf-8")
    return file


def ours(tunepipe: Path, file: Path, out: Path, steps_per_epoch: int) -> dict:
    run_checked([str(tunepipe), "run", str(file)])
    events = [json.loads(line) for line in (out / "events.jsonl").read_text().splitlines()]
    steps = {e["step"]: e for e in events if e.get("name") == "train/tokens_per_s"}
    rss = {e["step"]: e["value"] for e in events if e.get("name") == "memory/peak_rss_mib"}
    # A step's tokens: its tokens/s times its length (the time since the previous step's report).
    timed = sorted(step for step in steps if step > 1)
    seconds = [steps[s]["time"] - steps[s - 1]["time"] for s in timed]
    tokens = [steps[s]["value"] * t for s, t in zip(timed, seconds)]
    return {"tokens_per_s": sum(tokens) / sum(seconds), "rss_first": rss[1], "rss_epoch": rss[steps_per_epoch],
            "rss_last": rss[max(rss)]}


def token_lengths(tokenized: Path) -> list[int]:
    return [len(json.loads(line)["input_ids"]) for line in tokenized.read_text().splitlines()]


def write_fixed(records: list[dict], path: Path) -> None:
    """Each record with the instructions of the records before it in front of its own (cut from the left later)."""
    filler = "".join(r["instruction"] for r in records)
    fixed = [dict(r, instruction=(filler * 2)[:600] + r["instruction"]) for r in records]
    path.write_text(json.dumps(fixed, ensure_ascii=False), encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build", type=Path, default=Path(__file__).resolve().parents[1] / "build")
    parser.add_argument("--shape", default="qwen2-0.5b")
    parser.add_argument("--dtype", default="bf16", choices=["fp32", "bf16"])
    parser.add_argument("--samples", type=int, default=160)
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--pad-to-multiple-of", type=int, default=1, help="for the variable and grouped runs")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    if args.samples % args.batch:
        parser.error("--samples must be a multiple of --batch (every step the same number of rows)")
    steps = args.samples // args.batch
    args.steps, args.device = steps * args.epochs, "cpu"  # what lora_training.reference reads
    unpacked = {"batch_size": args.batch}
    os.environ["OMP_NUM_THREADS"] = os.environ["MKL_NUM_THREADS"] = str(args.threads)
    tunepipe = (args.build / "bin" / "tunepipe").resolve()
    model = checkpoint(args.build.resolve() / "bench-models", args.shape)
    records = json.loads(HUANHUAN.read_text(encoding="utf-8"))[:args.samples]

    with tempfile.TemporaryDirectory(prefix="bench-variable-") as tmp:
        work = Path(tmp)
        real = work / "huanhuan.json"
        real.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
        padded = {**unpacked, "pad_to_multiple_of": args.pad_to_multiple_of}
        runs = {"variable": ours(tunepipe, pipeline(work, "variable", model, real, args, padded,
                                                    {"max_length": 512}), work / "variable", steps)}
        tokenized = work / "variable" / "tokenized" / "train.jsonl"
        lengths = token_lengths(tokenized)
        mean = round(statistics.mean(lengths))
        print(f"{args.shape} {args.dtype}: {len(lengths)} huanhuan rows, {sum(lengths)} tokens, lengths "
              f"{min(lengths)}–{max(lengths)} (mean {mean}, median {statistics.median(lengths):.0f}); batch "
              f"{args.batch}, {args.epochs} epoch(s) of {steps} steps (first untimed)\non {machine(args.threads)}")
        write_fixed(records, work / "fixed.json")
        runs["fixed"] = ours(tunepipe, pipeline(work, "fixed", model, work / "fixed.json", args, unpacked,
                                                {"max_length": mean, "truncation_side": "left"}), work / "fixed", steps)
        fixed_lengths = token_lengths(work / "fixed" / "tokenized" / "train.jsonl")
        assert set(fixed_lengths) == {mean}, f"the fixed rows are not all {mean} tokens: {sorted(set(fixed_lengths))}"
        runs["grouped"] = ours(tunepipe, pipeline(work, "grouped", model, real, args,
                                                  {**padded, "group_by_length": True}, {"max_length": 512}),
                               work / "grouped", steps)
        packed = ours(tunepipe, pipeline(work, "packed", model, real, args, {"batch_size": 1, "packing": True},
                                         {"max_length": 512}), work / "packed", 1)
        plan = next(json.loads(line)["params"] for line in (work / "packed" / "events.jsonl").read_text().splitlines()
                    if '"trainer/plan"' in line)
        packed["rss_epoch"] = None  # its epochs are other steps
        runs["packed"] = packed
        hf = reference(model, tokenized, args.dtype, args, work)

        print(f"packed: {plan['packed_rows']} rows of up to 512 tokens, {plan['steps_per_epoch']} steps per epoch")
        print(f"{'run':10} {'tokens/s':>9} {'÷ fixed':>8} {'÷ HF':>6}  {'peak RSS MiB: step 1':>21} "
              f"{'epoch 1':>8} {'end':>7}")
        for name in ("fixed", "variable", "grouped", "packed"):
            run = runs[name]
            epoch = "" if run["rss_epoch"] is None else f"{run['rss_epoch']:.0f}"
            print(f"{name:10} {run['tokens_per_s']:9.1f} {run['tokens_per_s'] / runs['fixed']['tokens_per_s']:7.2f}× "
                  f"{run['tokens_per_s'] / hf['tokens_per_s']:5.2f}×  {run['rss_first']:21.0f} {epoch:>8} "
                  f"{run['rss_last']:7.0f}")
        print(f"{'HF':10} {hf['tokens_per_s']:9.1f} {hf['tokens_per_s'] / runs['fixed']['tokens_per_s']:7.2f}× "
              f"{1:5.2f}×  {'':21} {'':>8} {hf['peak_rss_mib']:7.0f}")
    print("goals: variable-length rows ≥ 0.9× the fixed-length tokens/s; memory flat over the run")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
