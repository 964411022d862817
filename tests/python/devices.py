"""The devices a parity test runs on: the CPU always, and the first GPU where torch sees one.

Parametrize with DEVICES; the "cuda" case is skipped on machines without a GPU (scripts/gpu-check.sh runs
the "cuda" cases where there is one: `pytest -k cuda`).
"""
import copy

import pytest
import torch

GPU = pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device visible to torch")
DEVICES = ["cpu", pytest.param("cuda", marks=GPU)]


def on(model: torch.nn.Module, device: str) -> torch.nn.Module:
    """The reference model on `device`: a copy where that is not where it lives, so a fixture shared by
    several tests keeps its model on the CPU."""
    return model if model.device.type == device else copy.deepcopy(model).to(device)
