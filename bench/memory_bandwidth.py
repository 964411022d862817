"""The decode ceiling: generating one token reads every weight once, so tokens/s can be no higher than
the machine's read bandwidth over the bytes of the weights.

The bandwidth is the best of a few sums and matrix-vector products over a 1 GiB buffer (well past any
cache) on the benchmark's threads; the bytes are the checkpoint's tensors at the run's dtype (a tied embedding counted once: the
vocabulary projection reads it whole, the embedding lookup one row).
"""
from __future__ import annotations

import time
from pathlib import Path


def read_bandwidth(threads: int, gib: float = 1.0, repeats: int = 5) -> float:
    """Bytes per second that `threads` threads read from memory: the faster of a sum and a
    matrix-vector product (MKL's streaming kernel) over the same buffer."""
    import torch

    torch.set_num_threads(threads)
    buffer = torch.ones(int(gib * (1 << 30)) // 4, dtype=torch.float32)  # written: real pages, not the zero page
    rows = buffer.view(-1, 1024)
    vector = torch.ones(1024)
    best = float("inf")
    for read in (buffer.sum, lambda: torch.mv(rows, vector)):
        read()
        for _ in range(repeats):
            start = time.perf_counter()
            read()
            best = min(best, time.perf_counter() - start)
    return buffer.numel() * 4 / best


def weight_bytes(model_dir: Path, dtype: str) -> int:
    """Bytes of the checkpoint's weights at `dtype` (fp32: 4 per element, bf16: 2)."""
    from safetensors import safe_open

    elements = 0
    for path in sorted(model_dir.glob("*.safetensors")):
        with safe_open(path, framework="pt") as tensors:
            for name in tensors.keys():
                count = 1
                for size in tensors.get_slice(name).get_shape():
                    count *= size
                elements += count
    return elements * {"fp32": 4, "bf16": 2}[dtype]
