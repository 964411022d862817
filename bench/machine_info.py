"""What a benchmark ran on, printed with its figures: the CPU model and its native bf16 support (which decides
the kernels our bf16 products take: oneDNN's bf16 ones where the CPU has AVX512-BF16 or AMX, else weights
widened to fp32 for MKL's sgemm, sdk/src/model/bf16_kernels.cpp; TUNEPIPE_BF16_KERNELS overrides)."""
from __future__ import annotations

import os
import platform
from pathlib import Path


def _cpuinfo() -> list[str]:
    return Path("/proc/cpuinfo").read_text().splitlines()


def cpu_model() -> str:
    return next((line.split(":", 1)[1].strip() for line in _cpuinfo() if line.startswith("model name")),
                platform.processor())


def native_bf16() -> list[str]:
    flags = set(next((line.split(":", 1)[1].split() for line in _cpuinfo() if line.startswith("flags")), []))
    return [name for flag, name in (("avx512_bf16", "AVX512-BF16"), ("amx_bf16", "AMX-BF16")) if flag in flags]


def bf16_kernels() -> str:
    forced = os.environ.get("TUNEPIPE_BF16_KERNELS", "")
    widen = forced == "widen" or (not forced and not native_bf16())
    return ("frozen bf16 products widened to fp32 (MKL sgemm)" if widen else
            "bf16 products in oneDNN's native bf16 kernels")


def machine(threads: int) -> str:
    import torch
    import transformers

    cores = len({line for line in _cpuinfo() if line.startswith("core id")})
    native = ", ".join(native_bf16()) or "no native bf16"
    return (f"{cpu_model()} ({native}: {bf16_kernels()}), {os.cpu_count()} CPUs ({cores or '?'} physical cores), "
            f"{threads} intra-op threads each side, load average {os.getloadavg()[0]:.2f}; torch "
            f"{torch.__version__}, transformers {transformers.__version__}")
