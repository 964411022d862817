"""The metrics sinks, all at once on a short training run of the quickstart default.

The run writes events.jsonl (the jsonl sink), metrics.csv and tables/ (csv), TensorBoard event files
(tensorboard) and prints on standard output (console); everything is compared with the jsonl record of
the same run: the CSV through Python's csv module, the event files through TensorBoard's own reader.
A run resumed from a checkpoint appends to events.jsonl and metrics.csv and adds an event file, in
which TensorBoard sees every step once. The console draws its progress line on a pseudo-terminal and
prints plain lines into a pipe. A failing sink is a warning and the run goes on, unless its entry says
strict = true.
"""
from __future__ import annotations

import csv
import fcntl
import json
import os
import pty
import re
import select
import shutil
import struct
import subprocess
import termios
from pathlib import Path

import numpy as np
import pytest

from tunepipe_env import BIN, REPO, needs_quickstart, run_tunepipe

event_accumulator = pytest.importorskip("tensorboard.backend.event_processing.event_accumulator")
from tensorboard.util import tensor_util  # noqa: E402

pytestmark = needs_quickstart

STEPS = 6


def write_pipeline(directory: Path, sinks: str, *, trainer: str = "", evaluator: bool = True) -> Path:
    """The quickstart pipeline, cut to a few steps, with these [[sinks]] entries."""
    text = (REPO / "pipelines" / "quickstart.toml").read_text("utf-8")
    text = text[: text.index("[[sinks]]")]
    text = text.replace('output_dir = "runs/quickstart"', f'output_dir = "{directory / "run"}"')
    text = text.replace("logging_steps = 10", f"logging_steps = 1\nmax_steps = {STEPS}\n{trainer}")
    if evaluator:
        text = text.replace("max_new_tokens = 8", "max_new_tokens = 4\nlimit = 4")
    else:
        text = text[: text.index("[evaluator]")]
    path = directory / "pipeline.toml"
    path.write_text(text + sinks, "utf-8")
    return path


ALL_SINKS = """
[[sinks]]
plugin = "console"

[[sinks]]
plugin = "jsonl"

[[sinks]]
plugin = "csv"

[[sinks]]
plugin = "tensorboard"
"""


def read_events(run_dir: Path) -> list[dict]:
    return [json.loads(line) for line in (run_dir / "events.jsonl").read_text("utf-8").splitlines()]


def read_csv(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def tensorboard_run(log_dir: Path):
    accumulator = event_accumulator.EventAccumulator(
        str(log_dir), size_guidance={event_accumulator.SCALARS: 0, event_accumulator.TENSORS: 0})
    accumulator.Reload()
    return accumulator


def strings(tensor_event) -> np.ndarray:
    array = tensor_util.make_ndarray(tensor_event.tensor_proto)
    return np.array([b.decode("utf-8") for b in array.reshape(-1)], dtype=object).reshape(array.shape)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """One run with every sink, then the same run resumed from its step-3 checkpoint."""
    directory = tmp_path_factory.mktemp("sinks")
    pipeline = write_pipeline(directory, ALL_SINKS, trainer="save_steps = 3")
    first = run_tunepipe("run", pipeline, check=True)
    run_dir = directory / "run"
    snapshot = {name: (run_dir / name).read_bytes() for name in ["events.jsonl", "metrics.csv"]}
    first_events = read_events(run_dir)
    event_files = sorted(p.name for p in (run_dir / "tensorboard").iterdir())
    first_tensorboard = tensorboard_run(run_dir / "tensorboard")

    # What a run interrupted after its step-3 checkpoint leaves behind.
    shutil.rmtree(run_dir / "checkpoints" / f"checkpoint-{STEPS}")
    shutil.rmtree(run_dir / "adapter")
    run_tunepipe("run", pipeline, "--resume", check=True)
    return {"dir": run_dir, "stdout": first.stdout, "events": first_events, "snapshot": snapshot,
            "event_files": event_files, "tensorboard": first_tensorboard}


def scalars_of(events: list[dict]) -> dict[str, list[tuple[int, float]]]:
    series: dict[str, list[tuple[int, float]]] = {}
    for e in events:
        if e["kind"] == "scalar":
            series.setdefault(e["name"], []).append((e["step"], e["value"]))
    return series


def test_csv_rows_are_the_runs_scalars(runs):
    rows = read_csv(runs["dir"] / "metrics.csv")  # after the resume: the first run's rows come first
    first_rows = len(runs["snapshot"]["metrics.csv"].decode("utf-8").split("\r\n")) - 2
    header, body = rows[0], rows[1 : 1 + first_rows]
    assert header == ["step", "name", "value", "wall_time"]
    scalars = [e for e in runs["events"] if e["kind"] == "scalar"]
    assert [(int(s), n, float(v)) for s, n, v, _ in body] == [(e["step"], e["name"], e["value"]) for e in scalars]
    assert all(abs(float(t) - e["time"]) < 1e-3 for (*_, t), e in zip(body, scalars))


def test_csv_tables_are_files_of_their_own(runs):
    tables = [e for e in runs["events"] if e["kind"] == "table"]
    assert {t["name"] for t in tables} >= {"data/summary", "eval/answers_base", "eval/answers"}
    for table in tables:
        path = runs["dir"] / "tables" / f"{table['name'].replace('/', '-')}-step-{table['step']}.csv"
        assert read_csv(path) == [table["columns"], *table["rows"]]
    assert not [p for p in (runs["dir"] / "tables").iterdir() if ".tmp" in p.name]


def test_tensorboard_reads_the_scalars_the_run_emitted(runs):
    board = runs["tensorboard"]
    assert board.file_version == 2.0
    assert re.fullmatch(r"events\.out\.tfevents\.\d+\.[^.].*\.\d+\.\d+", runs["event_files"][0])
    expected = scalars_of(runs["events"])
    assert set(board.Tags()["scalars"]) == set(expected)
    assert {"train/loss", "train/lr", "train/tokens_per_s", "eval/choice_accuracy", "data/train/rows"} <= set(expected)
    for name, series in expected.items():
        read = [(s.step, s.value) for s in board.Scalars(name)]
        assert [step for step, _ in read] == [step for step, _ in series], name
        assert [value for _, value in read] == [float(np.float32(value)) for _, value in series], name
    loss_times = [e["time"] for e in runs["events"] if e["name"] == "train/loss"]
    assert [s.wall_time for s in board.Scalars("train/loss")] == loss_times


def test_tensorboard_reads_texts_tables_and_hyperparameters(runs):
    board = runs["tensorboard"]
    expected: dict[str, list[dict]] = {}
    for event in runs["events"]:
        if event["kind"] != "scalar":
            expected.setdefault(event["name"], []).append(event)
    assert set(board.Tags()["tensors"]) == set(expected)
    assert {"hyperparameters", "trainer/plan", "train/checkpoint", "eval/answers", "run/output"} <= set(expected)
    for name, events in expected.items():
        read = board.Tensors(name)
        assert [t.step for t in read] == [e["step"] for e in events], name
        assert board.SummaryMetadata(name).plugin_data.plugin_name == "text"
        for tensor, event in zip(read, events):
            assert tensor.wall_time == event["time"]
            assert tensor.tensor_proto.dtype == 7  # DT_STRING
            cells = strings(tensor)
            if event["kind"] == "text":
                assert cells.shape == () and cells.item() == event["text"]
            elif event["kind"] == "table":
                assert cells.tolist() == [event["columns"], *event["rows"]]
            else:  # the jsonl sink writes parameters as an object, whose keys come out sorted
                assert cells.tolist()[0] == ["parameter", "value"]
                assert sorted(cells.tolist()[1:]) == sorted([k, v] for k, v in event["params"].items())


def test_a_resumed_run_appends_to_jsonl_and_csv(runs):
    run_dir = runs["dir"]
    for name, before in runs["snapshot"].items():
        after = (run_dir / name).read_bytes()
        assert after.startswith(before) and len(after) > len(before), name
    appended = read_events(run_dir)[len(runs["events"]):]
    resumed_at = [e["text"] for e in appended if e["name"] == "train/resumed"]
    assert resumed_at and resumed_at[0].endswith("at step 3")
    assert [s for s, _ in scalars_of(appended)["train/loss"]] == [4, 5, 6]

    rows = read_csv(run_dir / "metrics.csv")
    assert rows.count(["step", "name", "value", "wall_time"]) == 1
    assert [int(r[0]) for r in rows[1:] if r[1] == "train/loss"] == [1, 2, 3, 4, 5, 6, 4, 5, 6]


def test_a_resumed_run_adds_an_event_file_in_which_tensorboard_sees_each_step_once(runs):
    log_dir = runs["dir"] / "tensorboard"
    files = sorted(p.name for p in log_dir.iterdir())
    assert len(files) == 2 and runs["event_files"][0] in files
    board = tensorboard_run(log_dir)
    events = read_events(runs["dir"])
    resumed = dict(scalars_of(events[len(runs["events"]):])["train/loss"])
    read = [(s.step, s.value) for s in board.Scalars("train/loss")]
    assert [step for step, _ in read] == list(range(1, STEPS + 1))
    assert all(value == float(np.float32(resumed[step])) for step, value in read if step in resumed)


def test_console_prints_a_line_per_logging_step_into_a_pipe(runs):
    out = runs["stdout"]
    assert "\r" not in out and "\033" not in out
    lines = out.splitlines()
    for step in range(1, STEPS + 1):
        [line] = [l for l in lines if l.startswith(f"step {step}/{STEPS}  train/loss = ")]
        assert "  train/lr = " in line and "  train/tokens_per_s = " in line
    assert any(l.startswith(f"step 3/{STEPS}  train/checkpoint: ") for l in lines)
    assert "eval/answers:" in lines and "prompt" in lines[lines.index("eval/answers:") + 1]


class Screen:
    """What a terminal shows after the text it was sent: enough of one for \\r, \\n and erase-line."""

    def __init__(self):
        self.lines, self.column = [""], 0

    def feed(self, text: str):
        for part in re.split(r"(\r|\n|\x1b\[K)", text):
            if part == "\r":
                self.column = 0
            elif part == "\n":
                self.lines.append("")
                self.column = 0
            elif part == "\x1b[K":
                self.lines[-1] = self.lines[-1][: self.column]
            elif part:
                line = self.lines[-1]
                self.lines[-1] = line[: self.column] + part + line[self.column + len(part):]
                self.column += len(part)


def run_on_terminal(args: list[str], columns: int = 120) -> str:
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
    process = subprocess.Popen([str(BIN), *args], stdin=subprocess.DEVNULL, stdout=follower, stderr=subprocess.PIPE,
                               cwd=REPO, env={**os.environ, "TERM": "xterm"})
    os.close(follower)
    output = b""
    while True:
        ready, _, _ = select.select([leader], [], [], 60)
        if not ready:
            process.kill()
            break
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the follower side closed: the program has exited
            break
        if not chunk:
            break
        output += chunk
    os.close(leader)
    assert process.wait() == 0, process.stderr.read().decode()
    return output.decode("utf-8")


def test_console_draws_a_progress_line_on_a_terminal(tmp_path):
    pipeline = write_pipeline(tmp_path, '[[sinks]]\nplugin = "console"\n', trainer="save_steps = 3",
                              evaluator=False)
    raw = run_on_terminal(["run", str(pipeline)])
    frames = re.findall(r"\r\x1b\[K(step \d+/\d+ \[[^\r\n]*)", raw)
    assert all(len(f) < 120 for f in frames)
    # A frame is drawn as each value of a logging step comes; the last of a step shows them all.
    progress = re.compile(r"step (\d+)/6 \[[=> ]{10,30}\] +(\d+)%  loss \d+\.\d{4}  lr \d\.\d\de[-+]\d+  "
                          r"\d+ tok/s  \d+:\d\d<(\d+:\d\d|\?)")
    complete = [progress.fullmatch(f) for f in frames if "tok/s" in f]
    assert all(complete), frames
    assert {int(m.group(1)) for m in complete} == set(range(1, STEPS + 1))
    assert all(int(m.group(2)) == round(100 * int(m.group(1)) / STEPS) for m in complete)

    screen = Screen()
    screen.feed(raw)
    shown = [line for line in screen.lines if line]
    # The checkpoint text was printed above the progress line, which then went on to the end.
    checkpoint = next(i for i, line in enumerate(shown) if line.startswith("step 3/6  train/checkpoint: "))
    final = next(i for i, line in enumerate(shown) if line.startswith("step 6/6 ["))
    assert checkpoint < final
    assert progress.fullmatch(shown[final]) and " 100%" in shown[final]
    assert not [line for line in shown if line.startswith("step ") and "[" in line and line != shown[final]]
    assert shown[-1].startswith("run/output: ")


def test_console_progress_can_be_forced_to_lines(tmp_path):
    pipeline = write_pipeline(tmp_path, '[[sinks]]\nplugin = "console"\nprogress = "lines"\n', evaluator=False)
    raw = run_on_terminal(["run", str(pipeline)])
    assert "\x1b[K" not in raw
    assert len(re.findall(r"^step \d/6  train/loss = ", raw.replace("\r\n", "\n"), re.M)) == STEPS


BLOCKED_CSV = """
[[sinks]]
plugin = "jsonl"

[[sinks]]
plugin = "csv"
path = "{path}"
tables_dir = "{tables_dir}"
{strict}
"""


def blocked_csv_run(tmp_path: Path, *, path="metrics.csv", tables_dir="tables", strict=False):
    """A data-only run whose csv sink writes under `blocker`, a file in the output folder."""
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / ".tunepipe.lock").touch()  # an earlier run's folder: a run may write into it
    (tmp_path / "run" / "blocker").write_text("not a folder")
    sinks = BLOCKED_CSV.format(path=path, tables_dir=tables_dir, strict="strict = true" if strict else "")
    pipeline = write_pipeline(tmp_path, sinks, evaluator=False)
    return run_tunepipe("run", pipeline, "--data-only")


def test_a_sink_that_cannot_start_is_a_warning_and_the_run_goes_on(tmp_path):
    result = blocked_csv_run(tmp_path, path="blocker/metrics.csv")
    assert result.returncode == 0, result.stderr
    [warning] = [l for l in result.stderr.splitlines() if l.startswith("warning:")]
    assert warning.startswith("warning: [sinks[1]] csv failed, the run goes on without it: ")
    assert "blocker" in warning
    assert read_events(tmp_path / "run")[-1]["name"] == "run/output"


def test_a_sink_that_fails_during_the_run_is_dropped_with_one_warning(tmp_path):
    result = blocked_csv_run(tmp_path, tables_dir="blocker")
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("warning: [sinks[1]] csv failed, the run goes on without it") == 1
    rows = read_csv(tmp_path / "run" / "metrics.csv")
    assert len(rows) > 1  # the scalars before the first table
    assert read_events(tmp_path / "run")[-1]["name"] == "run/output"


@pytest.mark.parametrize("blocked", ["path", "tables_dir"])
def test_a_strict_sinks_failure_stops_the_run_naming_it(tmp_path, blocked):
    where = {"path": "blocker/metrics.csv"} if blocked == "path" else {"tables_dir": "blocker"}
    result = blocked_csv_run(tmp_path, strict=True, **where)
    assert result.returncode == 1
    assert "[sinks[1]] csv: " in result.stderr and "strict = true, so the run stops" in result.stderr
    assert "warning:" not in result.stderr


def test_strict_is_described_and_suggested_for_every_sink(tmp_path):
    described = run_tunepipe("describe", "sink", "csv", check=True).stdout
    assert "\nstrict = false    # bool: (every sink) true: a failure of this sink stops the run" in described
    pipeline = write_pipeline(tmp_path, '[[sinks]]\nplugin = "csv"\nstrictt = true\n', evaluator=False)
    result = run_tunepipe("validate", pipeline)
    assert result.returncode == 1
    assert ('[sinks[0]] csv: unknown key "strictt" — did you mean "strict"? (allowed: path, tables_dir, strict)'
            in result.stderr), result.stderr
