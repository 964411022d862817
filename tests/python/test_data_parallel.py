"""Data-parallel training: `torchrun --nproc-per-node 2 --no-python tunepipe run PIPELINE` on CPU ranks (gloo).

Two ranks with batch_size b split every global batch of 2b rows and sum their gradients and trained-token
counts, so each step's loss is the mean over the global batch's trained tokens exactly as one process with
batch_size 2b computes it: the per-step losses, the eval losses (each rank evaluating its share of the eval
batches) and the final adapter must match that run. Rank 0 alone writes
the output folder.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from test_training import LORA, series, write_pipeline
from tunepipe_env import BIN, QUICKSTART, REPO, needs_quickstart, run_tunepipe

torch = pytest.importorskip("torch")
from safetensors.torch import load_file  # noqa: E402

pytestmark = needs_quickstart

TORCHRUN = Path(sys.executable).parent / "torchrun"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def torchrun(pipeline: Path, ranks: int = 2, *extra: str) -> subprocess.CompletedProcess:
    if not TORCHRUN.is_file():
        pytest.skip(f"torchrun not found beside {sys.executable}")
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    return subprocess.run([str(TORCHRUN), "--nproc-per-node", str(ranks), "--master-addr", "127.0.0.1",
                           "--master-port", str(free_port()), "--no-python", str(BIN), "run", str(pipeline), *extra],
                          capture_output=True, text=True, cwd=REPO, env=env, timeout=600)


def relative(a: float, b: float) -> float:
    return abs(a - b) / max(abs(b), 1e-12)


ADAPTERS = {"lora": LORA, "prompt-tuning": {"plugin": "prompt-tuning", "num_virtual_tokens": 8}}


@pytest.mark.parametrize("adapter,grad_accum", [("lora", 1), ("lora", 2), ("prompt-tuning", 2)])
def test_two_ranks_train_as_one_process_with_twice_the_batch(tmp_path, adapter, grad_accum):
    trainer = {"max_steps": 6, "grad_accum": grad_accum, "learning_rate": 5e-3, "logging_steps": 1,
               "scheduler": "cosine", "warmup_steps": 1, "max_grad_norm": 0.5, "eval_steps": 3,
               "eval_batch_size": 7}  # 60 eval rows: 9 batches, the last short
    for name in ("one", "two"):
        (tmp_path / name).mkdir()
    one = write_pipeline(tmp_path / "one", ADAPTERS[adapter], {**trainer, "batch_size": 4})
    two = write_pipeline(tmp_path / "two", ADAPTERS[adapter], {**trainer, "batch_size": 2})
    run_tunepipe("run", one, check=True)
    result = torchrun(two)
    assert result.returncode == 0, result.stderr[-4000:]

    expected, got = series(tmp_path / "one" / "run", "train/loss"), series(tmp_path / "two" / "run", "train/loss")
    assert sorted(got) == sorted(expected) == list(range(1, 7))
    assert max(relative(got[step], expected[step]) for step in expected) <= 1e-6, (got, expected)
    # The eval batches are shared out between the ranks (batch k to rank k mod 2) and their losses summed.
    eval_one, eval_two = series(tmp_path / "one" / "run", "eval/loss"), series(tmp_path / "two" / "run", "eval/loss")
    assert sorted(eval_two) == sorted(eval_one) == [3, 6]
    assert max(relative(eval_two[step], eval_one[step]) for step in eval_one) <= 1e-6, (eval_two, eval_one)
    norms = series(tmp_path / "two" / "run", "train/grad_norm")
    assert max(relative(norms[s], v) for s, v in series(tmp_path / "one" / "run", "train/grad_norm").items()) <= 1e-5

    # The ranks' partial sums round differently from one sum over all rows, and AdamW's division by the root
    # of the second moment magnifies that where a gradient is tiny: a thousandth of one step's size.
    adapter_one = load_file(tmp_path / "one" / "run" / "adapter" / "adapter_model.safetensors")
    adapter_two = load_file(tmp_path / "two" / "run" / "adapter" / "adapter_model.safetensors")
    assert adapter_one.keys() == adapter_two.keys()
    for key, tensor in adapter_one.items():
        torch.testing.assert_close(adapter_two[key], tensor, rtol=1e-4, atol=1e-5)

    # Rank 0 alone wrote the folder: the files of the one-process run, no more.
    assert files(tmp_path / "two" / "run") == files(tmp_path / "one" / "run")


def files(folder: Path) -> list[str]:
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*") if path.name != ".tunepipe.lock")


def test_a_rank_without_its_rendezvous_stops_with_the_address_it_waited_for(tmp_path):
    pipeline = write_pipeline(tmp_path, LORA, {"max_steps": 1, "ddp_timeout": 3})
    port = free_port()  # nothing listens there
    env = {**os.environ, "WORLD_SIZE": "2", "RANK": "1", "LOCAL_RANK": "1", "MASTER_ADDR": "127.0.0.1",
           "MASTER_PORT": str(port)}
    result = subprocess.run([str(BIN), "run", str(pipeline)], capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode != 0
    assert f"rank 1 of 2 could not join the others at 127.0.0.1:{port} (MASTER_ADDR:MASTER_PORT) within 3 s" in \
        result.stderr, result.stderr
    assert not (tmp_path / "run").exists()  # only rank 0 writes


def test_malformed_rank_variables_are_named(tmp_path):
    pipeline = write_pipeline(tmp_path, LORA, {"max_steps": 1})
    env = {**os.environ, "WORLD_SIZE": "2", "RANK": "2", "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": "29500"}
    result = subprocess.run([str(BIN), "run", str(pipeline)], capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode != 0
    assert "environment variable RANK=2 is not below WORLD_SIZE=2" in result.stderr, result.stderr


def test_ranks_started_with_different_pipelines_stop_together(tmp_path):
    port = free_port()
    processes = []
    for rank, rate in ((0, 1e-3), (1, 2e-3)):
        folder = tmp_path / f"rank{rank}"
        folder.mkdir()
        pipeline = write_pipeline(folder, LORA, {"max_steps": 2, "learning_rate": rate, "ddp_timeout": 60})
        env = {**os.environ, "WORLD_SIZE": "2", "RANK": str(rank), "LOCAL_RANK": str(rank),
               "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(port), "OMP_NUM_THREADS": "1"}
        processes.append(subprocess.Popen([str(BIN), "run", str(pipeline)], stderr=subprocess.PIPE, text=True,
                                          env=env))
    for rank, process in enumerate(processes):
        _, stderr = process.communicate(timeout=120)
        assert process.returncode != 0
        assert f"rank {rank} of 2: the ranks were started with different pipelines or data" in stderr, stderr
    assert not (tmp_path / "rank0" / "run" / "adapter").exists()


def test_a_two_rank_checkpoint_resumes_on_one_rank_with_the_same_global_batch(tmp_path):
    trainer = {"grad_accum": 2, "learning_rate": 5e-3, "logging_steps": 1, "scheduler": "constant"}
    for name in ("whole", "split"):
        (tmp_path / name).mkdir()
    whole = write_pipeline(tmp_path / "whole", LORA, {**trainer, "max_steps": 6, "batch_size": 4})
    run_tunepipe("run", whole, check=True)
    first_half = write_pipeline(tmp_path / "split", LORA, {**trainer, "max_steps": 3, "batch_size": 2,
                                                           "save_steps": 3})
    result = torchrun(first_half)
    assert result.returncode == 0, result.stderr[-4000:]

    # One rank with batch_size 4 continues where two ranks of 2 stopped; a batch that changes the global
    # batch would move the data cursor, and is refused.
    wrong = write_pipeline(tmp_path / "split", LORA, {**trainer, "max_steps": 6, "batch_size": 2})
    refused = run_tunepipe("run", wrong, "--resume")
    assert refused.returncode != 0
    assert "the checkpoint was trained on micro-batches of 4 rows over all ranks (batch_size × ranks) but this " \
           "run's are 2 (2 × 1): resume with batch_size × ranks = 4" in refused.stderr, refused.stderr
    second_half = write_pipeline(tmp_path / "split", LORA, {**trainer, "max_steps": 6, "batch_size": 4})
    run_tunepipe("run", second_half, "--resume", check=True)

    expected, got = series(tmp_path / "whole" / "run", "train/loss"), series(tmp_path / "split" / "run", "train/loss")
    assert sorted(got) == list(range(1, 7))
    assert max(relative(got[step], expected[step]) for step in expected) <= 1e-6, (got, expected)


def test_more_ranks_than_rows_is_refused_on_every_rank(tmp_path):
    rows = tmp_path / "train.jsonl"
    rows.write_text((QUICKSTART / "data" / "train.jsonl").read_text("utf-8").splitlines()[0] + "\n", "utf-8")
    pipeline = write_pipeline(tmp_path, LORA, {"max_steps": 1}, dataset={"train": str(rows)})
    result = torchrun(pipeline)
    assert result.returncode != 0
    assert result.stderr.count("2 ranks but only 1 train rows: every rank needs at least one; start at most 1 "
                               "ranks") == 2, result.stderr[-4000:]
