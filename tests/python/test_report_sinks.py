"""The report sinks on a short training run of the quickstart default.

`html`: one self-contained page, rendered by headless Chromium; its DOM holds a chart per scalar series
whose polyline has one vertex per event of that series in events.jsonl, the data summary and answer tables
row for row, the hyper-parameters and the environment, and the file loads nothing from anywhere.
A run that fails still leaves its report, saying it failed.

`mlflow`: a real MLflow tracking server (the `mlflow server` our users run, from the pinned Python
environment) started here on loopback receives the run; MLflow's own client reads back the params, the
train/loss history equal to events.jsonl, the adapter's files byte for byte and the status FINISHED.
A server that cannot be reached costs a warning naming the sink and the URL, not the run.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tunepipe_env import BIN, QUICKSTART, REPO, needs_quickstart, run_tunepipe, write_quickstart_pipeline

pytestmark = needs_quickstart

CHROMIUM = shutil.which("chromium-headless-shell") or shutil.which("chromium")
MLFLOW = Path(os.environ.get("TUNEPIPE_PYTHON", REPO / ".venv" / "bin" / "python")).parent / "mlflow"
MAX_STEPS = 24
EXPERIMENT = "report-sinks-test"
RUN_NAME = "short-run"


def write_pipeline(directory: Path, sinks: list[dict], train_file: Path | None = None) -> Path:
    """The quickstart with a short training (MAX_STEPS steps, eval loss every 8), a small answered
    evaluation before and after, and these sinks."""
    return write_quickstart_pipeline(
        directory, "report-sinks", sinks,
        trainer={"max_steps": MAX_STEPS, "logging_steps": 2, "logging_first_step": True, "eval_steps": 8,
                 "max_eval_samples": 16},
        evaluator={"limit": 12, "table_rows": 12}, train_file=train_file)


def read_events(run_dir: Path) -> list[dict]:
    return [json.loads(line) for line in (run_dir / "events.jsonl").read_text("utf-8").splitlines()]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- the MLflow tracking server -------------------------------------------------------------------

def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def stop_process_group(process: subprocess.Popen) -> None:
    """The server and the workers it forks share the session started for it."""
    for sig, wait in ((signal.SIGTERM, 20), (signal.SIGKILL, 10)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


@pytest.fixture(scope="module")
def mlflow_server(tmp_path_factory):
    if not MLFLOW.exists():
        pytest.skip(f"{MLFLOW} is missing: the Python environment has no mlflow (run scripts/setup.sh)")
    home = tmp_path_factory.mktemp("mlflow")
    port = free_port()
    uri = f"http://127.0.0.1:{port}"
    log = (home / "server.log").open("w")
    env = {**os.environ, "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"}
    process = subprocess.Popen(
        [str(MLFLOW), "server", "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
         "--backend-store-uri", f"sqlite:///{home / 'mlflow.db'}", "--artifacts-destination", str(home / "artifacts")],
        stdout=log, stderr=subprocess.STDOUT, env=env, cwd=home, start_new_session=True)
    try:
        deadline = time.monotonic() + 180
        while not answers(f"{uri}/health"):
            if process.poll() is not None or time.monotonic() > deadline:
                log.flush()
                pytest.fail(f"mlflow server did not start:\n{(home / 'server.log').read_text()[-3000:]}")
            time.sleep(0.5)
        yield uri
    finally:
        stop_process_group(process)
        log.close()


# --- one short training run with the jsonl, html and mlflow sinks ---------------------------------------

@pytest.fixture(scope="module")
def trained(tmp_path_factory, mlflow_server):
    directory = tmp_path_factory.mktemp("report-sinks")
    pipeline = write_pipeline(directory, [
        {"plugin": "jsonl"},
        {"plugin": "html", "refresh_seconds": 1.0},
        {"plugin": "mlflow", "tracking_uri": mlflow_server, "experiment": EXPERIMENT, "run_name": RUN_NAME,
         "flush_seconds": 1.0},
    ])
    result = run_tunepipe("run", pipeline, check=True)
    run_dir = directory / "run"
    return run_dir, read_events(run_dir), result.stderr


def scalar_series(events: list[dict]) -> dict[str, list[tuple[int, float]]]:
    series: dict[str, list[tuple[int, float]]] = {}
    for e in events:
        if e["kind"] == "scalar":
            series.setdefault(e["name"], []).append((e["step"], e["value"]))
    return series


def test_the_sinks_ran_without_warnings(trained):
    run_dir, events, stderr = trained
    assert "warning: [sinks" not in stderr, stderr
    assert list(run_dir.glob("*.tmp-*")) == [], "the report is written under a temporary name, then renamed"
    assert len(scalar_series(events)["train/loss"]) == MAX_STEPS // 2 + 1  # every 2 steps, and the first


# --- html ------------------------------------------------------------------------------------------

class ReportDom(HTMLParser):
    """What the checks read from the rendered DOM: charts, tables by data-* name, the status."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.charts: dict[str, list[tuple[float, float]]] = {}
        self.tables: dict[tuple[str, str], list[list[str]]] = {}
        self.status = None
        self._series = None
        self._table = None
        self._row = None
        self._cell = None
        self._in_status = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "figure" and "data-series" in attrs:
            self._series = attrs["data-series"]
        elif tag == "polyline" and self._series is not None:
            self.charts[self._series] = [tuple(map(float, p.split(","))) for p in attrs["points"].split()]
        elif tag == "table":
            name = attrs.get("data-table") or attrs.get("data-params") or attrs.get("class")
            self._table = (name, attrs.get("data-step", ""))
            self.tables[self._table] = []
        elif tag == "tr" and self._table is not None:
            self._row = []
        elif tag == "td" and self._row is not None:
            self._cell = ""
        elif tag == "span" and "status" in attrs.get("class", "").split():
            self._in_status = True

    def handle_endtag(self, tag):
        if tag == "figure":
            self._series = None
        elif tag == "td" and self._cell is not None:
            self._row.append(self._cell)
            self._cell = None
        elif tag == "tr" and self._row is not None:
            if self._row:  # header rows hold <th> only
                self.tables[self._table].append(self._row)
            self._row = None
        elif tag == "table":
            self._table = None
        elif tag == "span":
            self._in_status = False

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data
        if self._in_status:
            self.status = data


def rendered_dom(report: Path) -> ReportDom:
    if CHROMIUM is None:
        pytest.skip("chromium-headless-shell is not installed")
    result = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", report.as_uri()],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    dom = ReportDom()
    dom.feed(result.stdout)
    return dom


@pytest.fixture(scope="module")
def report(trained):
    run_dir, events, _ = trained
    path = run_dir / "report.html"
    return path, rendered_dom(path), events


def test_the_report_loads_nothing_from_outside(report):
    path, _, _ = report
    text = path.read_text("utf-8")
    assert '<meta charset="utf-8">' in text
    for tag in ("<script", "<link", "<img", "<iframe", "<object", "<embed", "@import", "url("):
        assert tag not in text.lower(), tag
    links = re.findall(r'\b(?:src|href|action|xlink:href)\s*=\s*"([^"]*)"', text)
    assert links and all(link.startswith("#") for link in links), links


def test_each_series_is_a_chart_with_one_vertex_per_event(report):
    _, dom, events = report
    series = scalar_series(events)
    charted = {name for name, points in series.items() if len(points) >= 2}
    assert {"train/loss", "train/lr", "train/grad_norm", "train/tokens_per_s", "eval/loss",
            "eval/choice_accuracy"} <= charted
    assert set(dom.charts) == charted
    for name in charted:
        vertices = dom.charts[name]
        assert len(vertices) == len(series[name]), name
        xs = [x for x, _ in vertices]
        assert xs == sorted(xs), f"{name}: steps go left to right"
        assert all(64 <= x <= 624 and 28 <= y <= 200 for x, y in vertices), f"{name}: inside the plot area"
    # Lower loss is drawn higher up the page (larger y): the falling loss ends lower than it starts.
    losses = dom.charts["train/loss"]
    assert series["train/loss"][-1][1] < series["train/loss"][0][1] and losses[-1][1] > losses[0][1]


def test_the_tables_are_there_row_for_row(report):
    _, dom, events = report
    tables = [e for e in events if e["kind"] == "table"]
    assert {t["name"] for t in tables} == {"data/summary", "eval/answers_base", "eval/answers"}
    for table in tables:
        rows = dom.tables[(table["name"], str(table["step"]))]
        assert rows == table["rows"], table["name"]
    # The Chinese of the prompts survives, escaped markup included.
    prompts = [row[0] for row in dom.tables[("eval/answers", str(MAX_STEPS))]]
    assert any("分类选项列表" in prompt for prompt in prompts)


def test_parameters_messages_environment_and_status(report):
    _, dom, events = report
    assert dom.status == "finished"
    hyperparameters = dict(map(tuple, dom.tables[("hyperparameters", "")]))
    expected = next(e["params"] for e in events if e["kind"] == "params" and e["name"] == "hyperparameters")
    assert hyperparameters == expected
    assert hyperparameters["trainer.max_steps"] == str(MAX_STEPS)
    assert hyperparameters["template.system"].startswith("\"你是一个文本分类领域的专家")  # values as the pipeline writes them
    plan = dict(map(tuple, dom.tables[("trainer/plan", "")]))
    assert plan["total_steps"] == str(MAX_STEPS)
    messages = {row[2]: row[3] for row in dom.tables[("messages", "")]}
    assert messages["train/adapter"] == next(e["text"] for e in events if e["name"] == "train/adapter")
    environment = dict(map(tuple, dom.tables[("environment", "")]))
    import torch
    assert torch.__version__.startswith(environment["libtorch"])
    assert re.fullmatch(r"\d+\.\d+", environment["SDK ABI"])
    assert environment["hardware threads"] == str(os.cpu_count())
    assert environment["CPU"] and environment["operating system"].count("Linux") >= 1
    version = run_tunepipe("--version", check=True).stdout
    assert environment["tunepipe"] in version and f"SDK ABI {environment['SDK ABI']}" in version


def test_the_report_reads_well_in_a_browser(report, tmp_path):
    """A screenshot: the page has text and the blue curves (look at it: tmp_path/report.png)."""
    from PIL import Image
    path, _, _ = report
    shot = tmp_path / "report.png"
    result = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                             "--window-size=1400,1800", f"--screenshot={shot}", path.as_uri()],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and shot.exists(), result.stderr[-2000:]
    image = Image.open(shot).convert("RGB")
    assert image.size == (1400, 1800)
    colours = image.getcolors(maxcolors=1 << 20)
    assert len(colours) > 50, "the page renders more than a blank"
    curve_blue = sum(n for n, (r, g, b) in colours if abs(r - 0x1f) < 40 and abs(g - 0x6f) < 40 and abs(b - 0xb2) < 40)
    assert curve_blue > 2000, "the curves are drawn"


def test_a_failed_run_still_leaves_its_report(tmp_path):
    train = tmp_path / "train.jsonl"
    lines = (QUICKSTART / "data" / "train.jsonl").read_text("utf-8").splitlines()
    train.write_text("\n".join(lines[:5] + ['{"text": "半条记录', *lines[5:]]) + "\n", "utf-8")
    pipeline = write_pipeline(tmp_path, [{"plugin": "html"}], train_file=train)
    result = run_tunepipe("run", pipeline)
    assert result.returncode != 0
    assert f"{train}:6" in result.stderr
    dom = rendered_dom(tmp_path / "run" / "report.html")
    assert dom.status == "failed"
    assert ("hyperparameters", "") in dom.tables


# --- mlflow ----------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def mlflow_run(trained, mlflow_server):
    from mlflow.tracking import MlflowClient
    client = MlflowClient(tracking_uri=mlflow_server)
    experiment = client.get_experiment_by_name(EXPERIMENT)
    assert experiment is not None
    runs = client.search_runs([experiment.experiment_id])
    assert [r.info.run_name for r in runs] == [RUN_NAME]
    return client, runs[0]


def test_mlflow_has_the_parameters_and_the_status(trained, mlflow_run):
    _, events, _ = trained
    _, run = mlflow_run
    assert run.info.status == "FINISHED"
    expected = next(e["params"] for e in events if e["kind"] == "params" and e["name"] == "hyperparameters")
    for key, value in expected.items():  # MLflow allows letters, digits and _-.:/ and spaces in keys
        assert run.data.params[re.sub(r"[^A-Za-z0-9_\-.:/ ]", "_", key)] == value, key
    assert run.data.params["trainer/plan/total_steps"] == str(MAX_STEPS)
    assert run.data.params["template.system"].startswith("\"你是一个文本分类领域的专家")  # values as the pipeline writes them
    run_dir = trained[0]
    assert run.data.tags["train/adapter"] == str(run_dir / "adapter")
    assert run.data.tags["mlflow.source.name"] == "tunepipe"


def test_mlflow_metric_histories_equal_the_events(trained, mlflow_run):
    _, events, _ = trained
    client, run = mlflow_run
    for name in ("train/loss", "train/lr", "eval/loss", "eval/choice_accuracy"):
        logged = [(e["step"], e["value"], round(e["time"] * 1000)) for e in events
                  if e["kind"] == "scalar" and e["name"] == name]
        history = [(m.step, m.value, m.timestamp) for m in client.get_metric_history(run.info.run_id, name)]
        assert [entry[:2] for entry in sorted(history)] == [entry[:2] for entry in sorted(logged)], name
        # The events file prints seconds as a decimal, the sink sends whole milliseconds: equal within rounding.
        assert all(abs(a[2] - b[2]) <= 1 for a, b in zip(sorted(history), sorted(logged))), name


def test_mlflow_holds_the_adapter_and_the_tables(trained, mlflow_run, tmp_path):
    run_dir, events, _ = trained
    client, run = mlflow_run
    files = {a.path for a in client.list_artifacts(run.info.run_id, "adapter")}
    assert {"adapter/adapter_model.safetensors", "adapter/adapter_config.json"} <= files
    downloaded = Path(client.download_artifacts(run.info.run_id, "adapter", str(tmp_path)))
    for name in ("adapter_model.safetensors", "adapter_config.json"):
        assert (downloaded / name).read_bytes() == (run_dir / "adapter" / name).read_bytes(), name
    answers_table = next(e for e in events if e["kind"] == "table" and e["name"] == "eval/answers")
    table_path = f"tables/eval/answers-step{answers_table['step']}.json"
    table = json.loads(Path(client.download_artifacts(run.info.run_id, table_path, str(tmp_path))).read_text("utf-8"))
    assert table == {"columns": answers_table["columns"], "data": answers_table["rows"]}
    assert {"path": table_path, "type": "table"} in json.loads(run.data.tags["mlflow.loggedArtifacts"])


def test_an_unreachable_tracking_server_is_a_warning(tmp_path):
    port = free_port()  # nothing listens there once the probe socket is closed
    pipeline = write_pipeline(tmp_path, [{"plugin": "jsonl"},
                                         {"plugin": "mlflow", "tracking_uri": f"http://127.0.0.1:{port}"}])
    result = run_tunepipe("run", pipeline, "--data-only")
    assert result.returncode == 0, result.stderr
    warning = next(line for line in result.stderr.splitlines() if line.startswith("warning:"))
    assert "[sinks[1]] mlflow" in warning
    assert f"http://127.0.0.1:{port}/api/2.0/mlflow/" in warning
    assert (tmp_path / "run" / "summary.json").exists()


def test_a_tracking_uri_that_is_no_server_address_is_refused_by_validate(tmp_path):
    pipeline = write_pipeline(tmp_path, [{"plugin": "mlflow", "tracking_uri": "file:///tmp/mlruns"}])
    result = run_tunepipe("validate", pipeline)
    assert result.returncode != 0
    assert "tracking_uri" in result.stderr and "file:///tmp/mlruns" in result.stderr
    assert f"{pipeline}:" in result.stderr


def test_an_interrupted_run_is_killed_in_mlflow_and_interrupted_in_the_report(tmp_path, mlflow_server):
    from mlflow.tracking import MlflowClient
    experiment = "report-sinks-interrupted"
    pipeline = write_pipeline(tmp_path, [
        {"plugin": "jsonl"},
        {"plugin": "html", "refresh_seconds": 0.0},
        {"plugin": "mlflow", "tracking_uri": mlflow_server, "experiment": experiment, "run_name": "stopped"},
    ])
    text = pipeline.read_text("utf-8").replace(f"max_steps = {MAX_STEPS}", "max_steps = 1000")
    pipeline.write_text(text, "utf-8")
    process = subprocess.Popen([str(BIN), "run", str(pipeline)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               text=True, cwd=REPO)
    events = tmp_path / "run" / "events.jsonl"
    deadline = time.monotonic() + 300
    while not (events.exists() and '"train/loss"' in events.read_text("utf-8")):
        assert process.poll() is None and time.monotonic() < deadline, process.stderr.read()
        time.sleep(0.1)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=300)
    assert process.returncode == 128 + signal.SIGINT, stderr
    assert rendered_dom(tmp_path / "run" / "report.html").status == "interrupted"
    client = MlflowClient(tracking_uri=mlflow_server)
    runs = client.search_runs([client.get_experiment_by_name(experiment).experiment_id])
    assert [(r.info.run_name, r.info.status) for r in runs] == [("stopped", "KILLED")]
