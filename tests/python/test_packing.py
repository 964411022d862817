"""`[trainer] packing = true`: several samples per row, each attending only to itself.

A step that covers the same samples packed or not has the same loss, gradient norm and update: here every step
covers the whole (limited) train split, so the packed and the unpacked run see the same samples per step
whatever rows packing made. The attention itself is checked against transformers in test_model_parity.py
(test_packed_rows_match_transformers_and_each_sample_alone).
"""
from __future__ import annotations

import pytest

from test_training import LORA, events, series, write_pipeline
from tunepipe_env import needs_quickstart, run_tunepipe

torch = pytest.importorskip("torch")
from safetensors.torch import load_file  # noqa: E402

pytestmark = needs_quickstart

SAMPLES = 24


def plan(run_dir) -> dict:
    return next(e["params"] for e in events(run_dir) if e["kind"] == "params" and e["name"] == "trainer/plan")


# Prefix tuning's per-layer keys and values are seen by every token, so each packed sample sees them as it would
# alone; LoRA lives in the projections.
ADAPTERS = {"lora": LORA, "prefix": {"plugin": "prefix", "num_virtual_tokens": 4}}


@pytest.mark.parametrize("adapter", list(ADAPTERS))
def test_a_packed_run_trains_as_the_unpacked_one_on_the_same_samples(adapter, tmp_path):
    trainer = {"max_steps": 4, "batch_size": SAMPLES, "learning_rate": 5e-3, "logging_steps": 1}
    runs = {}
    for packing in (False, True):
        directory = tmp_path / f"packing-{packing}"
        directory.mkdir()
        pipeline = write_pipeline(directory, ADAPTERS[adapter], {**trainer, "packing": packing},
                                  dataset={"limit": SAMPLES})
        run_tunepipe("run", pipeline, check=True)
        runs[packing] = directory / "run"

    packed_rows = int(plan(runs[True])["packed_rows"])
    assert 1 <= packed_rows < SAMPLES // 2, f"{SAMPLES} samples of ~40 tokens make {packed_rows} rows of 384"
    assert int(plan(runs[False])["packed_rows"]) == 0
    for name in ("train/loss", "train/grad_norm"):
        unpacked, packed = series(runs[False], name), series(runs[True], name)
        assert sorted(packed) == [1, 2, 3, 4]
        for step, value in unpacked.items():
            assert packed[step] == pytest.approx(value, rel=1e-5), (name, step)

    unpacked, packed = (load_file(runs[p] / "adapter" / "adapter_model.safetensors") for p in (False, True))
    for name, tensor in unpacked.items():
        error = ((packed[name] - tensor).abs().max() / tensor.abs().max()).item()
        assert error <= 1e-4, f"{name}: max relative error {error:.2e}"


def test_packed_rows_padded_to_a_multiple_train_as_unpadded_ones(tmp_path):
    trainer = {"max_steps": 2, "batch_size": 2, "learning_rate": 5e-3, "logging_steps": 1, "packing": True}
    losses = {}
    for multiple in (1, 100):
        directory = tmp_path / f"multiple-{multiple}"
        directory.mkdir()
        pipeline = write_pipeline(directory, LORA, {**trainer, "pad_to_multiple_of": multiple},
                                  dataset={"limit": SAMPLES})
        run_tunepipe("run", pipeline, check=True)
        losses[multiple] = series(directory / "run", "train/loss")
    assert sorted(losses[100]) == [1, 2]
    for step, loss in losses[1].items():
        assert losses[100][step] == pytest.approx(loss, rel=1e-6), step


def test_packing_refuses_an_adapter_of_virtual_tokens(tmp_path):
    adapter = {"plugin": "prompt-tuning", "num_virtual_tokens": 4}
    pipeline = write_pipeline(tmp_path, adapter, {"max_steps": 1, "batch_size": 8, "packing": True},
                              dataset={"limit": 8})
    result = run_tunepipe("run", pipeline)
    assert result.returncode != 0
    assert "packed rows (several samples in a row) cannot take this adapter's virtual tokens" in result.stderr
    assert "set [trainer] packing = false" in result.stderr


def test_packing_with_group_by_length_is_an_error_naming_the_key(tmp_path):
    pipeline = write_pipeline(tmp_path, LORA, {"packing": True, "group_by_length": True})
    result = run_tunepipe("validate", pipeline)
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if "group_by_length has nothing to group" in line]
    assert lines and "pipeline.toml" in lines[0] and "drop one of them" in lines[0], result.stderr
