"""[trainer] profile_steps: torch's profiler over some optimizer steps of a real run.

The table in profile.txt must account for the profiled steps (every phase of a step present, the model's
own projections among the operators with their shapes and a FLOP rate), the trace must hold the same
operators, and profiling must not change what the run computes.
"""
from __future__ import annotations

import json
import re

from test_training import LORA, events, series, texts, write_pipeline
from tunepipe_env import QUICKSTART, needs_quickstart, run_tunepipe

pytestmark = needs_quickstart

TRAINER = {"max_steps": 4, "batch_size": 4, "logging_steps": 1}


def test_profiled_steps_are_tabled_and_traced_without_changing_the_run(tmp_path):
    for name in ("profiled", "plain"):
        (tmp_path / name).mkdir()
    profiled = write_pipeline(tmp_path / "profiled", LORA, {**TRAINER, "profile_steps": 2})
    plain = write_pipeline(tmp_path / "plain", LORA, TRAINER)
    run_tunepipe("run", profiled, check=True)
    run_tunepipe("run", plain, check=True)
    run = tmp_path / "profiled" / "run"

    assert series(run, "train/loss") == series(tmp_path / "plain" / "run", "train/loss")
    assert not (tmp_path / "plain" / "run" / "profile.txt").exists()
    assert texts(run, "train/profile") == str(run / "profile.txt")

    table = (run / "profile.txt").read_text("utf-8")
    assert "steps 2-3 of 4 on cpu" in table  # the first step, which creates kernels and caches, is left out
    phases = dict(re.findall(r"^(forward|loss|backward|optimizer) +([\d.]+) ", table, re.M))
    assert set(phases) == {"forward", "loss", "backward", "optimizer"} and all(float(ms) > 0 for ms in phases.values())
    wall = float(re.search(r"wall time of the profiled steps: ([\d.]+) ms", table).group(1))
    host = float(re.search(r"self time on the host: ([\d.]+) ms", table).group(1))
    assert 0 < host <= wall * 1.05  # one thread on CPU: its operators fit inside the steps' wall time

    config = json.loads((QUICKSTART / "model" / "config.json").read_text())
    hidden, intermediate = config["hidden_size"], config["intermediate_size"]
    projections = re.findall(rf"^forward +aten::mm +\[\d+,{hidden}\] \[{hidden},{intermediate}\] +(\d+) +[\d.]+ +"
                             rf"[\d.]+% +([\d.]+)$", table, re.M)
    assert projections, table  # gate and up projections, with their FLOP rate
    layers = config["num_hidden_layers"]
    assert sum(int(calls) for calls, _ in projections) == 2 * 2 * layers  # 2 steps × (gate, up) × layers
    assert all(float(rate) > 0 for _, rate in projections)

    trace = json.loads((run / "profile.trace.json").read_text("utf-8"))
    names = {event.get("name") for event in trace["traceEvents"]}
    assert {"aten::mm", "tunepipe::forward", "tunepipe::backward", "tunepipe::optimizer"} <= names
    assert not list(run.glob("*.partial"))


def test_profile_steps_past_the_end_of_the_run_profile_what_there_is(tmp_path):
    pipeline = write_pipeline(tmp_path, LORA, {**TRAINER, "max_steps": 1, "profile_steps": 5})
    run_tunepipe("run", pipeline, check=True)
    assert "step 1 of 1 on cpu" in (tmp_path / "run" / "profile.txt").read_text("utf-8")
    assert [e for e in events(tmp_path / "run") if e.get("name") == "train/profile"]
