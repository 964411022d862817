#!/usr/bin/env python3
"""Batched generation against one prompt at a time: the decode speed per token of `tunepipe chat --batch B`
(left-padded batches through the same generate() the generate evaluator calls, batch_size = B) and of
`--batch 1`, against transformers' `model.generate` on the same left-padded batch and one prompt at a time.

Each side runs once with 1 new token and once with N + 1 in the same process state (greedy, every answer made
to run its full length); the difference over the prompts' N tokens each is the decode speed, so loading and
prefill cancel out. Prompts are mixed Chinese and English chat turns of different lengths. transformers is
held to the full length with min_new_tokens; tunepipe has no such switch, and relies on the random-weight
checkpoint's greedy answers not reaching the end-of-turn token (one id of 151,936) early.

Usage: batched_generation.py --build build [--shape qwen2-0.5b|tiny] [--dtype bf16|fp32] [--batch 8]
                             [--new-tokens 32] [--threads 2]
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

from machine_info import machine
from model_checkpoint import checkpoint

REPO = Path(__file__).resolve().parents[1]
SYSTEM = "You are a helpful assistant."
PROMPTS = ["你好，请介绍一下你自己", "What is the capital of France and why is it famous?",
           "写一首关于秋天的短诗", "Explain LoRA fine-tuning in one paragraph.", "1+1=?",
           "请把下面这句话翻译成英文：今天天气很好，我们去公园散步吧。",
           "List three colours.",
           "Summarise the plot of Hamlet in two sentences, please."]


def ours(tunepipe: Path, model: Path, prompts: list[str], batch: int, new_tokens: int, dtype: str) -> float:
    started = time.perf_counter()
    subprocess.run([str(tunepipe), "chat", "--model", str(model), "--template", "chatml", "--system", SYSTEM,
                    "--batch", str(batch), "--max-new-tokens", str(new_tokens), "--greedy", "--dtype", dtype,
                    "--device", "cpu"], input="\n".join(prompts) + "\n", capture_output=True, text=True, check=True)
    return time.perf_counter() - started


def reference(model_dir: Path, prompts: list[str], batch: int, new_tokens: int, dtype: str, threads: int) -> float:
    """transformers' greedy generate, batches left-padded, every answer exactly new_tokens long."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from transformers.utils import logging

    logging.disable_progress_bar()
    torch.set_num_threads(threads)
    tokenizer = AutoTokenizer.from_pretrained(model_dir, padding_side="left")
    torch_dtype = {"bf16": torch.bfloat16, "fp32": torch.float32}[dtype]
    model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch_dtype)
    texts = [tokenizer.apply_chat_template([{"role": "system", "content": SYSTEM}, {"role": "user", "content": p}],
                                           tokenize=False, add_generation_prompt=True) for p in prompts]
    started = time.perf_counter()
    with torch.inference_mode():
        for first in range(0, len(texts), batch):
            encoded = tokenizer(texts[first:first + batch], return_tensors="pt", padding=True)
            model.generate(**encoded, max_new_tokens=new_tokens, min_new_tokens=new_tokens, do_sample=False)
    return time.perf_counter() - started


def decode_rate(run, prompts: int, new_tokens: int) -> float:
    return prompts * new_tokens / (run(new_tokens + 1) - run(1))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build", type=Path, default=REPO / "build")
    parser.add_argument("--shape", default="qwen2-0.5b")
    parser.add_argument("--dtype", default="bf16", choices=["bf16", "fp32"])
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--new-tokens", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    os.environ["OMP_NUM_THREADS"] = os.environ["MKL_NUM_THREADS"] = str(args.threads)
    tunepipe = (args.build / "bin" / "tunepipe").resolve()
    model = checkpoint(args.build.resolve() / "bench-models", args.shape)
    prompts = [PROMPTS[i % len(PROMPTS)] for i in range(args.batch)]
    print(f"{args.shape} {args.dtype}: {len(prompts)} prompts, {args.new_tokens} new tokens each (greedy), decode "
          f"tokens/s over all prompts\non {machine(args.threads)}")
    rates = {}
    for batch in (1, args.batch):
        rates[("tunepipe", batch)] = decode_rate(
            lambda n, b=batch: ours(tunepipe, model, prompts, b, n, args.dtype), len(prompts), args.new_tokens)
        rates[("HF", batch)] = decode_rate(
            lambda n, b=batch: reference(model, prompts, b, n, args.dtype, args.threads), len(prompts),
            args.new_tokens)
    print(f"{'side':9} {'batch':>5} {'tokens/s':>9} {'÷ batch 1':>10} {'÷ HF':>6}")
    for (side, batch), rate in rates.items():
        print(f"{side:9} {batch:5} {rate:9.1f} {rate / rates[(side, 1)]:9.2f}× {rate / rates[('HF', batch)]:5.2f}×")
    return 0


if __name__ == "__main__":
    sys.exit(main())
