"""The `swanlab` sink on short training runs of the quickstart default, read back with SwanLab's own code.

The run folder is read with SwanLab's DataStoreReader (which checks every chunk's CRC) and its Record
messages; everything is compared with the jsonl record of the same run: the start record names the
project, experiment and description, files/config.yaml holds the pipeline's parameters (typed as the
pipeline file writes them), every scalar is a scalar record at its step, every table an ECharts table
file equal to what swanlab.echarts.Table writes, every text a line of the terminal log, and the run ends
FINISHED. A failed run ends CRASHED with its error, an interrupted one ABORTED; the resumed run writes a
second folder with the same run id whose log lines continue the first's. SwanLab's own sync (its reader,
record handling and HTTP sender) then uploads the folders to a stand-in for the server: only the calls
that would reach the network are replaced, and they record what would have been sent.
"""
from __future__ import annotations

import hashlib
import json
import re
import signal
import subprocess
import time
import tomllib
from collections import defaultdict
from pathlib import Path

import pytest

from tunepipe_env import BIN, QUICKSTART, REPO, needs_quickstart, run_tunepipe, write_quickstart_pipeline

swanlab = pytest.importorskip("swanlab")
yaml = pytest.importorskip("yaml")
from swanlab.proto.swanlab.grpc.core.v1.sync_pb2 import DeliverSyncStartRequest  # noqa: E402
from swanlab.proto.swanlab.record.v1.record_pb2 import Record  # noqa: E402
from swanlab.proto.swanlab.run.v1.run_pb2 import ResumeMode, RunState  # noqa: E402
from swanlab.sdk.internal.core_python import sync as core_sync  # noqa: E402
from swanlab.sdk.internal.core_python.store import DataStoreReader, DataStoreWriter  # noqa: E402
from swanlab.sdk.internal.core_python.transport import sender  # noqa: E402
from swanlab.sdk.internal.core_python.utils import PrepareExperimentStartResult  # noqa: E402
from swanlab.sdk.internal.settings import create_settings  # noqa: E402

pytestmark = needs_quickstart

STEPS = 6
PROJECT = "tunepipe-tests"
EXPERIMENT = "quickstart-swanlab"
# Everything YAML and JSON spell differently: quotes, backslashes, controls, DEL, NEL, line separators, emoji.
DESCRIPTION = 'a "quoted" \\ back\tslash\nnext line \x7f \x85 \u2028 \u2029 \U0001F600 中文'
RUN_FOLDER = re.compile(r"run-\d{8}_\d{6}-([a-z0-9]{8})")


def write_pipeline(directory: Path, sinks: list[dict], *, trainer: dict | None = None,
                   train_file: Path | None = None) -> Path:
    """The quickstart cut to a few steps, a small before/after evaluation, and these sinks."""
    return write_quickstart_pipeline(
        directory, "swanlab-sink", sinks,
        trainer={"max_steps": STEPS, "logging_steps": 1, "save_steps": 3, **(trainer or {})},
        evaluator={"limit": 4, "max_new_tokens": 4, "compare": True}, train_file=train_file)


SINKS = [{"plugin": "jsonl"},
         {"plugin": "swanlab", "project": PROJECT, "experiment": EXPERIMENT, "description": DESCRIPTION}]


def read_events(run_dir: Path) -> list[dict]:
    # By "\n" only: str.splitlines() also splits inside the description's NEL and U+2028.
    return [json.loads(line) for line in (run_dir / "events.jsonl").read_text("utf-8").split("\n") if line]


def run_folders(run_dir: Path) -> list[Path]:
    return sorted(p for p in (run_dir / "swanlog").iterdir() if p.is_dir())


def read_payloads(folder: Path) -> list[bytes]:
    """Every record of the folder's run file, through SwanLab's reader (scan raises on a bad checksum)."""
    [path] = folder.glob("run-*.swanlab")
    reader = DataStoreReader()
    reader.open(path)
    payloads = []
    try:
        while (data := reader.scan()) is not None:
            payloads.append(data)
    finally:
        reader.close()
    return payloads


def read_records(folder: Path) -> list[Record]:
    return [Record.FromString(data) for data in read_payloads(folder)]


def assert_written_as_swanlab_writes(folder: Path, scratch: Path) -> None:
    """The run file holds what SwanLab's writer makes of the same records, byte for byte, and each record is
    what protobuf serializes for its message. (The sink zero-fills a block tail too short for a chunk header
    as soon as a record leaves one, SwanLab's writer only before the next record: that tail may end ours.)"""
    payloads = read_payloads(folder)
    assert all(Record.FromString(data).SerializeToString(deterministic=True) == data for data in payloads)
    writer = DataStoreWriter()
    writer.open(scratch)
    for data in payloads:
        writer.write(data)
    writer.close()
    expected = scratch.read_bytes()
    tail = 32768 - len(expected) % 32768
    if tail < 7:
        expected += bytes(tail)
    [path] = folder.glob("run-*.swanlab")
    assert path.read_bytes() == expected


def of_type(records: list[Record], kind: str) -> list[Record]:
    return [r for r in records if r.WhichOneof("record_type") == kind]


def seconds(timestamp) -> float:
    return timestamp.seconds + timestamp.nanos / 1e9


def config_value(text: str):
    """What a parameter's text is in the config: the TOML value it spells, else the text."""
    try:
        return tomllib.loads(f"value = {text}")["value"]
    except tomllib.TOMLDecodeError:
        return text


def expected_config(events: list[dict]) -> dict:
    config: dict = {}
    for event in events:
        if event["kind"] == "params":
            pipeline_set = event["name"] == "hyperparameters"
            for key, text in event["params"].items():
                config[key if pipeline_set else f"{event['name']}/{key}"] = config_value(text)
    return config


def text_lines(event: dict) -> list[str]:
    prefix = f"step {event['step']}  " if event["step"] > 0 else ""
    return f"{prefix}{event['name']}: {event['text']}".split("\n")


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    directory = tmp_path_factory.mktemp("swanlab")
    pipeline = write_pipeline(directory, SINKS)
    result = run_tunepipe("run", pipeline, check=True)
    run_dir = directory / "run"
    [folder] = run_folders(run_dir)
    return {"directory": directory, "run_dir": run_dir, "folder": folder, "events": read_events(run_dir),
            "records": read_records(folder), "stderr": result.stderr}


def test_the_run_folder_is_laid_out_as_swanlabs_sdk_lays_it_out(trained):
    assert "warning:" not in trained["stderr"], trained["stderr"]
    assert sorted(p.name for p in trained["directory"].iterdir()) == ["pipeline.toml", "run"]
    folder = trained["folder"]
    run_id = RUN_FOLDER.fullmatch(folder.name).group(1)
    assert (folder / f"run-{run_id}.swanlab").is_file()
    assert (folder / "files" / "config.yaml").is_file()
    assert {p.parent.name for p in (folder / "media").rglob("*.json")} == {"echarts"}
    assert not list(folder.rglob("*.tmp-*"))
    kept = json.loads((trained["run_dir"] / "swanlog" / ".tunepipe-swanlab-run.json").read_text("utf-8"))
    assert kept["id"] == run_id


def test_start_config_and_finish_records_frame_numbered_data(trained):
    records, folder = trained["records"], trained["folder"]
    start, finish = records[0], records[-1]
    assert start.num == -1 and start.HasField("start")
    assert (start.start.project, start.start.name, start.start.description) == (PROJECT, EXPERIMENT, DESCRIPTION)
    assert start.start.id == RUN_FOLDER.fullmatch(folder.name).group(1)
    assert start.start.resume == ResumeMode.RESUME_MODE_NEVER
    first_event = trained["events"][0]["time"]
    assert first_event - 5 < seconds(start.start.started_at) <= first_event

    assert finish.num == -2 and finish.finish.state == RunState.RUN_STATE_FINISHED and finish.finish.error == ""
    assert seconds(finish.finish.finished_at) >= trained["events"][-1]["time"]

    [save] = of_type(records, "save")
    assert save.num == -3 and save.save.name == "config" and save.save.type == 1  # SAVE_TYPE_CONFIG
    assert Path(save.save.source_path) == folder.resolve() / "files" / "config.yaml"

    numbered = [r.num for r in records if r.num > 0]
    assert numbered == list(range(1, len(numbered) + 1))
    assert len(numbered) == len(records) - 3
    # No proto3 `optional` field is set that SwanLab's SDK leaves unset.
    assert not any(r.column.HasField("x_axis") or r.column.HasField("hidden") for r in of_type(records, "column"))
    assert not any(item.HasField("payload") for r in of_type(records, "media") for item in r.media.value.items)


def test_the_run_file_is_what_swanlabs_writer_writes(trained, tmp_path):
    assert_written_as_swanlab_writes(trained["folder"], tmp_path / "reframed.swanlab")


def test_the_config_holds_the_pipelines_parameters(trained):
    config = yaml.safe_load((trained["folder"] / "files" / "config.yaml").read_text("utf-8"))
    expected = expected_config(trained["events"])
    assert {key: entry["value"] for key, entry in config.items()} == expected
    # In the order the pipeline names them (events.jsonl holds each set as an object, its keys sorted).
    keys = list(config)
    assert keys[:3] == ["pipeline.name", "pipeline.seed", "model.plugin"]
    plan = [k for k in keys if k.startswith("trainer/plan/")]
    assert plan and plan == keys[-len(plan):]
    assert [entry["sort"] for entry in config.values()] == list(range(len(config)))
    assert all(entry["desc"] == "" for entry in config.values())
    assert config["trainer.learning_rate"]["value"] == 5e-3
    assert config["adapter.target_modules"]["value"] == ["all-linear"]
    assert config["template.system"]["value"].startswith("你是一个文本分类领域的专家")
    assert config["trainer/plan/total_steps"]["value"] == STEPS
    assert config["sinks[1].project"]["value"] == PROJECT


def test_every_scalar_is_a_scalar_record_at_its_step(trained):
    records = trained["records"]
    scalars: dict[str, list] = defaultdict(list)
    for r in of_type(records, "scalar"):
        scalars[r.scalar.key].append((r.scalar.step, r.scalar.value.number, seconds(r.scalar.timestamp)))
    expected: dict[str, list] = defaultdict(list)
    for e in trained["events"]:
        if e["kind"] == "scalar":
            expected[e["name"]].append((e["step"], e["value"], e["time"]))
    assert set(scalars) == set(expected)
    assert {"train/loss", "train/lr", "eval/loss", "eval/choice_accuracy", "data/train/rows"} <= set(expected)
    assert [step for step, *_ in scalars["train/loss"]] == list(range(1, STEPS + 1))
    for name, series in expected.items():
        assert [(s, v) for s, v, _ in scalars[name]] == [(s, v) for s, v, _ in series], name
        assert all(abs(a[2] - b[2]) < 1e-6 for a, b in zip(scalars[name], series)), name

    # Each key's column comes once, before its first value, grouped by the key's first segment.
    columns = {r.column.column_key: (r.num, r.column) for r in of_type(records, "column")}
    assert len(columns) == len(of_type(records, "column"))
    for name in expected:
        num, column = columns[name]
        assert num < min(r.num for r in of_type(records, "scalar") if r.scalar.key == name)
        assert column.column_type == 1 and column.column_class == 1 and column.section_type == 3
        assert column.section_name == name.split("/")[0]


def test_every_table_is_an_echarts_table_as_swanlab_writes_it(trained):
    folder = trained["folder"]
    tables = [e for e in trained["events"] if e["kind"] == "table"]
    assert {t["name"] for t in tables} == {"data/summary", "eval/answers_base", "eval/compare"}
    media = of_type(trained["records"], "media")
    assert [(r.media.key, r.media.step) for r in media] == [(t["name"], t["step"]) for t in tables]
    columns = {r.column.column_key: r.column.column_type for r in of_type(trained["records"], "column")}
    for record, table in zip(media, tables):
        assert record.media.type == columns[table["name"]] == 6  # COLUMN_TYPE_ECHARTS
        assert abs(seconds(record.media.timestamp) - table["time"]) < 1e-6
        [item] = record.media.value.items
        content = (folder / "media" / "echarts" / item.filename).read_bytes()
        digest = hashlib.sha256(content).hexdigest()
        assert (item.sha256, item.size) == (digest, len(content))
        assert item.filename == f"{table['step']:03d}-{digest[:8]}.json"
        reference = swanlab.echarts.Table().add(table["columns"], table["rows"]).dump_options()
        assert json.loads(content) == json.loads(reference)
    compare = next(t for t in tables if t["name"] == "eval/compare")
    assert len(compare["rows"]) == 4  # one per answered row (limit = 4)


def test_every_text_is_a_line_of_the_terminal_log(trained):
    logs = of_type(trained["records"], "log")
    texts = [e for e in trained["events"] if e["kind"] == "text"]
    assert {"train/checkpoint", "train/adapter", "run/output"} <= {t["name"] for t in texts}
    assert [r.log.line for r in logs] == [line for t in texts for line in text_lines(t)]
    assert [r.log.epoch for r in logs] == list(range(1, len(logs) + 1))
    kept = json.loads((trained["run_dir"] / "swanlog" / ".tunepipe-swanlab-run.json").read_text("utf-8"))
    assert kept["last_log_epoch"] == len(logs)


# --- SwanLab's own sync, with a stand-in for the server -------------------------------------------------

class StandInServer:
    """What SwanLab's sync would send, per experiment (run id), from the calls that reach the network."""

    def __init__(self):
        self.sent: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
        self.columns: list[dict] = []
        self.media_files: list[tuple[str, bytes]] = []

    def prepare_experiment_start(self, start):
        new = start.id not in self.sent
        self.sent[start.id]["start"].append(start)
        return PrepareExperimentStartResult(
            username="tester", project=start.project, name=start.name, color="", new_experiment=new,
            project_data={"cuid": "project", "path": f"/@tester/{start.project}", "version": 1},
            experiment={"cuid": start.id, "name": start.name, "createdAt": "2026-01-01T00:00:00Z"})

    def get_experiment_summary(self, project_id, experiment_id, created_at=None):
        """The last log line and each key's last step the experiment holds: what sync resumes after."""
        sent = self.sent[experiment_id]
        last: dict[str, dict[str, int]] = {"scalar": {}, "media": {}}
        for kind in last:
            for metric in sent[kind]:
                last[kind][metric["key"]] = max(last[kind].get(metric["key"], -1), metric["index"])
        return {"log": [{"step": max(line["epoch"] for line in sent["log"])}] if sent["log"] else [],
                "scalar": [{"key": k, "step": s} for k, s in last["scalar"].items()],
                "media": [{"key": k, "step": s} for k, s in last["media"].items()]}

    def stop_experiment(self, username, project, experiment_id, *, state, finished_at):
        self.sent[experiment_id]["state"].append(state)

    def upload(self, kind):
        def call(*args, **kwargs):
            if kind == "columns":  # (username, project, columns=…): the project's chart definitions
                self.columns.extend(kwargs["columns"]["series"])
            elif kind == "config":  # (username, project, experiment_id, content=…)
                self.sent[args[2]]["config"].append(kwargs["content"])
            else:  # (project_id, experiment_id, metrics=…)
                self.sent[args[1]][kind].extend(kwargs["metrics"])
        return call

    def unexpected(self, name):
        def call(*args, **kwargs):
            raise AssertionError(f"sync sent {name}, which the sink never writes")
        return call

    def put_media_resources(self, session, experiment_id, payloads, tracker=None):
        for payload in payloads:
            self.media_files.append((payload.remote_path, Path(payload.buffer).read_bytes()))
        return {}


@pytest.fixture
def server(monkeypatch):
    stand_in = StandInServer()
    for name in ("prepare_experiment_start", "get_experiment_summary", "stop_experiment"):
        monkeypatch.setattr(core_sync, name, getattr(stand_in, name))
    for kind in ("columns", "config", "log", "media", "scalar"):
        monkeypatch.setattr(sender, f"upload_{kind}", stand_in.upload(kind))
    for name in ("upload_metadata", "upload_requirements", "upload_conda"):
        monkeypatch.setattr(sender, name, stand_in.unexpected(name))
    monkeypatch.setattr(sender, "put_media_resources", stand_in.put_media_resources)
    monkeypatch.setattr(sender.HttpRecordSender, "_ensure_session", lambda self: None)
    return stand_in


def sync(folder: Path, run_id: str) -> None:
    """What `swanlab sync --id <run_id> <folder>` does once logged in."""
    core = core_sync.CoreSyncPython()
    settings = create_settings().to_core_proto(run_id, folder)
    started = core.deliver_sync_start(DeliverSyncStartRequest(core_settings=settings, id=run_id))
    assert started.success, started.message
    flushed = core.deliver_sync_flush()
    assert flushed.success, flushed.message
    finished = core.confirm_sync_finish()
    assert finished.success, finished.message


def test_swanlab_sync_uploads_the_run(trained, server):
    sync(trained["folder"], "synced")
    sent, events = server.sent["synced"], trained["events"]
    [start] = sent["start"]
    assert (start.project, start.name, start.description) == (PROJECT, EXPERIMENT, DESCRIPTION)
    [config] = sent["config"]
    assert {key: entry["value"] for key, entry in config.items()} == expected_config(events)
    scalars = [e for e in events if e["kind"] == "scalar"]
    assert sorted((m["key"], m["index"], m["data"]) for m in sent["scalar"]) == \
        sorted((e["name"], e["step"], e["value"]) for e in scalars)
    tables = [e for e in events if e["kind"] == "table"]
    assert [(m["key"], m["index"]) for m in sent["media"]] == [(t["name"], t["step"]) for t in tables]
    assert {path for path, _ in server.media_files} == {path for m in sent["media"] for path in m["data"]}
    for path, content in server.media_files:
        assert content == (trained["folder"] / path).read_bytes()
    assert [line["message"] for line in sent["log"]] == \
        [line for e in events if e["kind"] == "text" for line in text_lines(e)]
    assert {c["key"] for c in server.columns} == {e["name"] for e in scalars + tables}
    assert sent["state"] == [RunState.RUN_STATE_FINISHED]


# --- how a run ends ---------------------------------------------------------------------------------------

def finish_of(folder: Path):
    last = read_records(folder)[-1]
    assert last.num == -2 and last.HasField("finish")
    return last.finish


def test_a_failed_run_is_crashed_with_its_error(tmp_path):
    train = tmp_path / "train.jsonl"
    lines = (QUICKSTART / "data" / "train.jsonl").read_text("utf-8").splitlines()
    train.write_text("\n".join(lines[:5] + ['{"text": "半条记录', *lines[5:]]) + "\n", "utf-8")
    result = run_tunepipe("run", write_pipeline(tmp_path, SINKS, train_file=train))
    assert result.returncode != 0
    assert f"{train}:6" in result.stderr
    finish = finish_of(run_folders(tmp_path / "run")[0])
    assert finish.state == RunState.RUN_STATE_CRASHED
    assert f"{train}:6" in finish.error and finish.error.splitlines()[0] in result.stderr


def logged_loss_steps(run_dir: Path) -> list[int]:
    try:
        lines = (run_dir / "events.jsonl").read_text("utf-8").splitlines()
    except FileNotFoundError:
        return []
    return [json.loads(line)["step"] for line in lines if '"train/loss"' in line and line.endswith("}")]


def test_an_interrupted_run_is_aborted_and_its_resumption_continues_the_swanlab_run(tmp_path, server):
    total = 300
    pipeline = write_pipeline(tmp_path, SINKS, trainer={"max_steps": total, "save_steps": 0})
    run_dir = tmp_path / "run"
    process = subprocess.Popen([str(BIN), "run", str(pipeline)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               text=True, cwd=REPO)
    deadline = time.monotonic() + 300
    while len(logged_loss_steps(run_dir)) < 3:
        assert process.poll() is None and time.monotonic() < deadline, process.stderr.read()
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=300)
    assert process.returncode == 128 + signal.SIGINT, stderr
    [first] = run_folders(run_dir)
    stopped = finish_of(first)
    assert stopped.state == RunState.RUN_STATE_ABORTED and "stopped" in stopped.error
    stopped_at = max(logged_loss_steps(run_dir))
    lines = [r.log.line for r in of_type(read_records(first), "log")]
    assert any(line.startswith(f"step {stopped_at}  train/interrupted: ") for line in lines)

    run_tunepipe("run", pipeline, "--resume", check=True)
    folders = run_folders(run_dir)
    assert len(folders) == 2 and folders[0] == first
    second = folders[1]
    run_id = RUN_FOLDER.fullmatch(first.name).group(1)
    assert RUN_FOLDER.fullmatch(second.name).group(1) == run_id
    before, after = read_records(first), read_records(second)
    assert after[0].start.id == run_id and after[0].start.resume == ResumeMode.RESUME_MODE_ALLOW
    assert before[0].start.resume == ResumeMode.RESUME_MODE_NEVER
    epochs_before = [r.log.epoch for r in of_type(before, "log")]
    epochs_after = [r.log.epoch for r in of_type(after, "log")]
    error_line = epochs_before[-1] + 1  # sync logs an aborted run's error as one more line
    assert epochs_before == list(range(1, error_line))
    assert epochs_after == list(range(error_line + 1, error_line + 1 + len(epochs_after)))
    assert [r.num for r in after if r.num > 0] == list(range(1, len(after) - 2))  # start, config, finish aside
    assert finish_of(second).state == RunState.RUN_STATE_FINISHED
    loss_steps = [r.scalar.step for r in of_type(after, "scalar") if r.scalar.key == "train/loss"]
    assert loss_steps == list(range(stopped_at + 1, total + 1))
    assert next(second.glob("run-*.swanlab")).stat().st_size > 2 * 32768  # records across blocks
    for folder in folders:
        assert_written_as_swanlab_writes(folder, tmp_path / f"{folder.name}.swanlab")

    # Synced with the run id, both folders fill one experiment: every log line and every step once.
    sync(first, run_id)
    sync(second, run_id)
    sent = server.sent[run_id]
    assert [len(sent["start"]), sent["state"]] == [2, [RunState.RUN_STATE_ABORTED, RunState.RUN_STATE_FINISHED]]
    assert [line["epoch"] for line in sent["log"]] == epochs_before + [error_line] + epochs_after
    assert sent["log"][len(epochs_before)]["message"] == stopped.error
    loss = [m["index"] for m in sent["scalar"] if m["key"] == "train/loss"]
    assert loss == list(range(1, total + 1))


# --- errors -----------------------------------------------------------------------------------------------

def test_a_log_folder_that_cannot_be_made_is_a_warning_and_the_run_goes_on(tmp_path):
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / ".tunepipe.lock").touch()  # an earlier run's folder: a run may write into it
    (tmp_path / "run" / "blocker").write_text("not a folder")
    pipeline = write_pipeline(tmp_path, [{"plugin": "jsonl"}, {"plugin": "swanlab", "logdir": "blocker/swanlog"}])
    result = run_tunepipe("run", pipeline, "--data-only")
    assert result.returncode == 0, result.stderr
    [warning] = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert warning.startswith("warning: [sinks[1]] swanlab failed, the run goes on without it: ")
    assert "blocker" in warning
    assert (tmp_path / "run" / "events.jsonl").exists()


@pytest.mark.parametrize("option, value, message", [
    ("mode", "cloud", "mode"),
    ("project", "no spaces allowed", 'project "no spaces allowed" is not a SwanLab project name'),
    ("experiment", "", "experiment: SwanLab takes a name of 1 to 512 characters"),
])
def test_validate_refuses_what_swanlab_would(tmp_path, option, value, message):
    pipeline = write_pipeline(tmp_path, [{"plugin": "swanlab", option: value}])
    result = run_tunepipe("validate", pipeline)
    assert result.returncode != 0
    [line] = [line for line in result.stderr.splitlines() if message in line]
    assert line.startswith(f"{pipeline}:") and "[sinks[0]] swanlab" in line, result.stderr
