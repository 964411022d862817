"""How close a LoRA training run comes to the machine's matrix-multiply speed.

The ceiling is the best FLOP/s of one large matrix product shaped like the model's MLP projection, on the
threads the benchmark gives each side. The work of one training step is counted from the checkpoint's
config.json: every frozen projection runs forward and backward to its input (2 + 2 FLOPs per weight and
token), each LoRA pair forward, backward to its input and to both factors (6 FLOPs per adapter weight and
token), causal attention (scores and values: 2 FLOPs per head dimension, token and earlier token forward,
twice that backward), and the vocabulary projection only where a position is trained (forward and backward to
its input).
"""
from __future__ import annotations

import json
import time
from pathlib import Path


def product_flops(a, b, repeats: int) -> float:
    import torch

    def synchronize():
        if a.is_cuda:
            torch.cuda.synchronize(a.device)

    torch.mm(a, b)  # warm-up: thread pool and kernel choice
    synchronize()
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        torch.mm(a, b)
        synchronize()
        best = min(best, time.perf_counter() - start)
    return 2.0 * a.shape[0] * a.shape[1] * b.shape[1] / best


def ceiling_flops(hidden: int, intermediate: int, tokens: int, dtype: str, threads: int, repeats: int = 5,
                  device: str = "cpu") -> float:
    """bf16 on a CPU: the faster of a bf16 product and an fp32 one on the widened values, since on CPUs
    without native bf16 arithmetic the latter is how the fastest code multiplies bf16 matrices. On a GPU the
    product in the run's own dtype (fp32 without TF32, torch's default)."""
    import torch

    torch.set_num_threads(threads)
    a = torch.randn(tokens, hidden, device=device)
    b = torch.randn(hidden, intermediate, device=device)
    if dtype == "fp32":
        return product_flops(a, b, repeats)
    if device != "cpu":
        return product_flops(a.bfloat16(), b.bfloat16(), repeats)
    return max(product_flops(a.bfloat16(), b.bfloat16(), repeats), product_flops(a, b, repeats))


def training_flops_per_step(model_dir: Path, rank: int, batch: int, seq: int, trained_per_row: int) -> float:
    config = json.loads((model_dir / "config.json").read_text())
    h, inter = config["hidden_size"], config["intermediate_size"]
    heads, kv_heads = config["num_attention_heads"], config["num_key_value_heads"]
    head_dim = config.get("head_dim") or h // heads
    projections = [(h, heads * head_dim), (h, kv_heads * head_dim), (h, kv_heads * head_dim),
                   (heads * head_dim, h), (h, inter), (h, inter), (inter, h)]
    frozen = sum(i * o for i, o in projections)
    adapter = sum(rank * (i + o) for i, o in projections)
    tokens = batch * seq
    per_layer = 4 * frozen * tokens + 6 * adapter * tokens
    # causal: token t attends to t + 1 positions; scores and weighted values, forward once, backward twice
    attended_pairs = batch * seq * (seq + 1) / 2
    per_layer += 3 * 2 * 2 * heads * head_dim * attended_pairs
    vocabulary = 4 * h * config["vocab_size"] * batch * trained_per_row
    return config["num_hidden_layers"] * per_layer + vocabulary
