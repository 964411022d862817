"""CPU inference: tunepipe next to transformers on the same checkpoint, prompt and thread count.

For each dtype, three fresh processes on the same Qwen2ForCausalLM checkpoint (bench/model_checkpoint.py):
`tunepipe forward --timings` (time from launch to the first logits), `tunepipe generate --timings
--ignore-eos` and bench/model_reference.py (transformers: from_pretrained, one forward, generate with
min_new_tokens = max_new_tokens). Both generate exactly --new-tokens greedy tokens with the KV cache,
after an untimed 1-token generate; prefill is the time to the first new token, decode the time after it.
All of it --repeats times; prints a table of each side's best, their ratio and the goal, the share of the
decode ceiling (read bandwidth over weight bytes, bench/memory_bandwidth.py) each side reaches, then every
figure as one JSON line.

    .venv/bin/python bench/model_throughput.py [--build build] [--shape qwen2-0.5b|tiny] [--dtypes fp32,bf16]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import memory_bandwidth
from machine_info import machine
import model_checkpoint

BENCH = Path(__file__).resolve().parent


def run_json(command: list[str], stdin: str = "", json_on_stderr: bool = True) -> tuple[dict, str, float]:
    """Runs one fresh process; its JSON line, its stdout, and the Unix time just before it started."""
    started = time.time()
    proc = subprocess.run(command, input=stdin, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"{' '.join(command)} failed ({proc.returncode}):\n{proc.stderr}")
    stream = proc.stderr if json_on_stderr else proc.stdout
    line = next(line for line in reversed(stream.splitlines()) if line.startswith("{"))
    return json.loads(line), proc.stdout, started


def measure(tunepipe: Path, model: Path, dtype: str, prompt: list[int], first_tokens: int, new_tokens: int,
            threads: int) -> dict:
    ids, first_ids = " ".join(map(str, prompt)), " ".join(map(str, prompt[:first_tokens]))
    common = ["--model", str(model), "--dtype", dtype]
    with tempfile.TemporaryDirectory() as tmp:
        first, _, started = run_json([str(tunepipe), "forward", *common, "--device", "cpu", "--timings",
                                      "--out", str(Path(tmp) / "logits.safetensors")], first_ids + "\n")
    first["first_logits_s"] = first["first_logits_unix_s"] - started
    ours, out, _ = run_json([str(tunepipe), "generate", *common, "--device", "cpu", "--prompt-ids", ids,
                             "--max-new-tokens", str(new_tokens), "--greedy", "--ignore-eos", "--print-ids",
                             "--timings"])
    ours.update(first=first, completion=[int(t) for t in out.split()])
    hf, _, started = run_json([sys.executable, str(BENCH / "model_reference.py"), *common, "--first-ids", first_ids,
                               "--prompt-ids", ids, "--new-tokens", str(new_tokens), "--threads", str(threads)],
                              json_on_stderr=False)
    hf["first_logits_s"] = hf["first_logits_unix_s"] - started
    return {"ours": ours, "hf": hf}


def rows(runs: list[dict]) -> list[tuple[str, float, float, str, bool | None]]:
    """(metric, ours, transformers, goal, goal met) per table row: each side's best over the runs."""
    def best(figure, pick=min) -> list[float]:
        return [pick(figure(run[side]) for run in runs) for side in ("ours", "hf")]

    first = best(lambda r: r.get("first", r)["first_logits_s"])  # ours: the `forward` process
    load = best(lambda r: r.get("first", r)["load_s"])
    forward = best(lambda r: r.get("first", r)["forward_s"])
    prefill = best(lambda r: r["prompt_tokens"] / r["prefill_s"], max)
    decode = best(lambda r: r["decode_tokens"] / r["decode_s"], max)
    return [
        ("launch to first logits (s)", *first, "≤ 0.5×", first[0] <= 0.5 * first[1]),
        ("  of which load (s)", *load, "", None),
        ("  of which first forward (s)", *forward, "", None),
        ("prefill (tokens/s)", *prefill, "≥ 1.5×", prefill[0] >= 1.5 * prefill[1]),
        ("decode (tokens/s)", *decode, "≥ 1.5×", decode[0] >= 1.5 * decode[1]),
    ]


def print_table(dtype: str, runs: list[dict]) -> None:
    ours, hf = runs[0]["ours"], runs[0]["hf"]
    print(f"\n{dtype}: first logits of {ours['first']['tokens']} tokens; generate: {ours['prompt_tokens']}-token "
          f"prompt, {ours['new_tokens']} new tokens (transformers: {hf['new_tokens']}, attention {hf['attention']}); "
          f"best of {len(runs)} run(s)")
    print(f"{'metric':30} {'tunepipe':>10} {'transformers':>13} {'ratio':>7}  goal")
    for metric, value, reference, goal, met in rows(runs):
        verdict = "" if met is None else " met" if met else " MISSED"
        print(f"{metric:30} {value:10.3f} {reference:13.3f} {value / reference:6.2f}×  {goal}{verdict}")
    same = next((i for i, (a, b) in enumerate(zip(ours["completion"], hf["completion"])) if a != b),
                len(ours["completion"]))
    print(f"greedy tokens: the first {same} of {ours['new_tokens']} equal transformers'")


def print_decode_ceiling(dtype: str, runs: list[dict], model: Path, bandwidth: float) -> dict:
    """Decode reads every weight once per token: the share of that ceiling each side reaches."""
    weights = memory_bandwidth.weight_bytes(model, dtype)
    ceiling = bandwidth / weights
    decode = {side: max(run[side]["decode_tokens"] / run[side]["decode_s"] for run in runs) for side in ("ours", "hf")}
    print(f"decode ceiling: {weights / 1e9:.2f} GB of weights per token at {bandwidth / 1e9:.1f} GB/s read bandwidth "
          f"= {ceiling:.1f} tokens/s; reached: tunepipe {decode['ours'] / ceiling:.0%}, "
          f"transformers {decode['hf'] / ceiling:.0%}")
    return {"weight_bytes": weights, "read_bandwidth": bandwidth, "ceiling_tokens_per_s": ceiling}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build", default=str(BENCH.parent / "build"), help="build folder holding bin/tunepipe")
    parser.add_argument("--shape", default="qwen2-0.5b", choices=sorted(model_checkpoint.SHAPES))
    parser.add_argument("--dtypes", default="fp32,bf16", help="comma-separated: fp32, bf16")
    parser.add_argument("--prompt-tokens", type=int, default=128)
    parser.add_argument("--first-tokens", type=int, default=16, help="prompt tokens of the first-logits forward")
    parser.add_argument("--new-tokens", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2, help="intra-op threads of both sides")
    parser.add_argument("--repeats", type=int, default=3, help="runs per dtype; the table shows each side's best")
    parser.add_argument("--cache", help="checkpoint folder cache (default: BUILD/bench-models)")
    args = parser.parse_args()

    tunepipe = Path(args.build) / "bin" / "tunepipe"
    if not tunepipe.is_file():
        sys.exit(f"{tunepipe} not found: build first (cmake --build {args.build})")
    # Both sides' OpenMP pools (libtorch's at::get_num_threads() starts from these).
    os.environ["OMP_NUM_THREADS"] = os.environ["MKL_NUM_THREADS"] = str(args.threads)
    model = model_checkpoint.checkpoint(Path(args.cache or Path(args.build) / "bench-models"), args.shape).resolve()
    prompt = model_checkpoint.prompt_ids(model, args.prompt_tokens)
    print(f"machine     {machine(args.threads)}")
    print(f"checkpoint  {model} ({args.shape}, bf16 safetensors)")
    bandwidth = memory_bandwidth.read_bandwidth(args.threads)
    results, ceilings = {}, {}
    for dtype in args.dtypes.split(","):
        results[dtype] = [measure(tunepipe, model, dtype, prompt, args.first_tokens, args.new_tokens, args.threads)
                          for _ in range(args.repeats)]
        print_table(dtype, results[dtype])
        ceilings[dtype] = print_decode_ceiling(dtype, results[dtype], model, bandwidth)
    print(json.dumps({"shape": args.shape, "threads": args.threads, "results": results, "decode_ceiling": ceilings}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
