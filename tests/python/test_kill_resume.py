"""Runs killed with SIGKILL at random moments — some while a checkpoint or the final adapter is being written —
then resumed until they finish, end with the adapter of an uninterrupted run, byte for byte, and an events file
whose every line parses. An events file left with a torn last line (a disk that filled up mid-write) is repaired
before the resumed run appends to it.
"""
from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import time
from pathlib import Path

from tunepipe_env import BIN, REPO, needs_quickstart, run_tunepipe
from test_training import LORA, write_pipeline

pytestmark = needs_quickstart

TRAINER = {"max_steps": 8, "batch_size": 4, "learning_rate": 5e-3, "logging_steps": 1, "save_steps": 1,
           "save_total_limit": 2}
ADAPTER = {**LORA, "dropout": 0.1}


def finish(pipeline: Path) -> int:
    """Resumes (or, with no complete checkpoint yet, starts afresh) until the run succeeds, with the one command
    a restart policy repeats; returns how many runs it took."""
    for attempt in range(1, 4):
        result = run_tunepipe("run", pipeline, "--resume-if-any")
        if result.returncode == 0:
            return attempt
    raise AssertionError(f"the run did not finish after {attempt} attempts:\n{result.stderr}")


def kill_when(process: subprocess.Popen, ready, deadline_s: float = 120) -> bool:
    """SIGKILLs the process once ready() holds; False if it finished first."""
    deadline = time.monotonic() + deadline_s
    while process.poll() is None and time.monotonic() < deadline:
        if ready():
            process.kill()
            process.wait()
            return True
        time.sleep(0.0005)
    process.kill()
    process.wait()
    return False


def partial_folder(run_dir: Path, under: str | None) -> bool:
    folder = run_dir / under if under else run_dir
    try:
        return any(".partial-" in entry.name for entry in os.scandir(folder))
    except FileNotFoundError:
        return False


def test_killed_anywhere_and_resumed_gives_the_uninterrupted_adapter(tmp_path):
    (tmp_path / "whole").mkdir()
    whole = write_pipeline(tmp_path / "whole", ADAPTER, TRAINER)
    began = time.monotonic()
    run_tunepipe("run", whole, check=True)
    duration = time.monotonic() - began
    expected = (tmp_path / "whole" / "run" / "adapter" / "adapter_model.safetensors").read_bytes()

    chance = random.Random(20261203)
    moments = [("at a random moment", None)] * 4 + [("inside a checkpoint write", "checkpoints"),
                                                     ("inside the final adapter write", "")]
    killed = 0
    for trial, (when, partial_under) in enumerate(moments):
        trial_dir = tmp_path / f"trial-{trial}"
        trial_dir.mkdir()
        pipeline = write_pipeline(trial_dir, ADAPTER, TRAINER)
        run_dir = trial_dir / "run"
        process = subprocess.Popen([str(BIN), "run", str(pipeline)], stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL, cwd=REPO)
        if partial_under is None:
            kill_at = time.monotonic() + chance.uniform(0.1, duration)
            killed += kill_when(process, lambda: time.monotonic() >= kill_at)
        else:
            killed += kill_when(process, lambda: partial_folder(run_dir, partial_under))
        finish(pipeline)
        adapter = (run_dir / "adapter" / "adapter_model.safetensors").read_bytes()
        assert adapter == expected, f"trial {trial} ({when}): the resumed adapter differs"
        for line in (run_dir / "events.jsonl").read_text("utf-8").splitlines():
            json.loads(line)
    assert killed >= 4, "most trials were killed before they finished"


def test_a_torn_last_events_line_is_dropped_before_appending(tmp_path):
    pipeline = write_pipeline(tmp_path, LORA, {"max_steps": 4, "save_steps": 2, "logging_steps": 1})
    run_tunepipe("run", pipeline, check=True)
    events = tmp_path / "run" / "events.jsonl"
    whole = events.read_text("utf-8")
    torn = '{"kind": "scalar", "stage": "trai'
    events.write_text(whole + torn, "utf-8")
    result = run_tunepipe("run", pipeline, "--resume", check=True)
    assert f"warning: {events}: dropped a torn last line ({len(torn)} bytes) that an interrupted run left" in result.stderr
    lines = events.read_text("utf-8").splitlines()
    assert events.read_text("utf-8").startswith(whole)
    for line in lines:
        json.loads(line)
