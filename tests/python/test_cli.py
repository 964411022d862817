"""The command line: exit codes, help, plugins, describe, run outputs, inspect, the process's allocator."""
import json
import os
import subprocess

import pytest

from tunepipe_env import BIN, QUICKSTART, needs_quickstart, run_tunepipe


def test_version_and_help():
    version = run_tunepipe("--version", check=True).stdout
    assert version.startswith("tunepipe 0.1.0 (SDK ABI 9.1, libtorch ")
    help_text = run_tunepipe("--help", check=True).stdout
    for command in ["run", "validate", "plugins", "describe", "tokenize", "render", "inspect"]:
        assert f"\n  {command} " in help_text
    assert run_tunepipe().returncode == 2
    assert run_tunepipe("run", "--help", check=True).stdout.startswith("usage: tunepipe run PIPELINE")


def test_unknown_command_and_bad_option_are_usage_errors():
    result = run_tunepipe("valdate")
    assert result.returncode == 2
    assert result.stderr.startswith('tunepipe: unknown command "valdate" — did you mean "validate"?')
    result = run_tunepipe("run", "--frobnicate")
    assert result.returncode == 2
    assert "unrecognised option '--frobnicate'" in result.stderr
    assert "usage: tunepipe run PIPELINE" in result.stderr


def test_plugins_lists_every_stage_kind():
    out = run_tunepipe("plugins", check=True).stdout
    for kind, name in [("model", "hf"), ("dataset", "jsonl"), ("dataset", "json"), ("dataset", "alpaca"),
                       ("dataset", "sharegpt"), ("template", "chatml"), ("template", "ernie"), ("template", "yuan"),
                       ("template", "plain"), ("template", "llama2"), ("template", "llama3"), ("sink", "console"),
                       ("sink", "jsonl")]:
        assert any(line.split()[:2] == [kind, name] and line.endswith(f"libtunepipe-{kind}-{name}.so")
                   for line in out.splitlines()), f"{kind} {name} missing:\n{out}"


def test_describe_shows_options_with_defaults_and_docs():
    out = run_tunepipe("describe", "template", "chatml", check=True).stdout
    assert "[template]\nplugin = \"chatml\"\n" in out
    assert "max_length = 1024    # integer: tokens kept per sample" in out
    assert 'truncation_side = "right"    # string:' in out and "[one of: right | left]" in out
    result = run_tunepipe("describe", "template", "chatm")
    assert result.returncode == 1
    assert 'no template plugin "chatm" — did you mean "chatml"?' in result.stderr


@needs_quickstart
def test_run_writes_outputs_atomically_and_quietly(tmp_path):
    out = tmp_path / "run"
    result = run_tunepipe("run", "pipelines/quickstart.toml", "--data-only", f"--set=pipeline.output_dir={out}",
                          check=True)
    assert "\r" not in result.stdout and "\033" not in result.stdout  # no progress-bar noise off a terminal
    assert "train  480" in result.stdout
    summary = json.loads((out / "summary.json").read_text())
    assert summary["splits"]["train"]["rows"] == 480 and summary["splits"]["test"]["rows"] == 60
    leftovers = [p.name for p in out.rglob("*") if ".tmp-" in p.name]
    assert leftovers == []
    tokenized = [json.loads(l) for l in (out / "tokenized" / "test.jsonl").read_text().splitlines()]
    assert len(tokenized) == 60
    assert all(len(r["input_ids"]) == len(r["labels"]) for r in tokenized)
    events = [json.loads(l) for l in (out / "events.jsonl").read_text().splitlines()]
    assert events[0]["kind"] == "params"
    assert {"kind": "scalar", "name": "data/train/rows", "value": 480.0}.items() <= events[1].items()


@needs_quickstart
def test_a_failed_run_leaves_no_half_written_file(tmp_path):
    out = tmp_path / "run"
    bad = tmp_path / "bad.jsonl"
    lines = (QUICKSTART / "data" / "train.jsonl").read_text().splitlines()
    bad.write_text("\n".join(lines[:5] + ['{"text": "no category or output"}'] + lines[5:]) + "\n")
    result = run_tunepipe("run", "pipelines/quickstart.toml", f"--set=pipeline.output_dir={out}",
                          f"--set=dataset.train={bad}")
    assert result.returncode == 1
    assert result.stderr.startswith(f'{bad}:6: error: [dataset] jsonl: field "category" missing')
    assert not (out / "tokenized" / "train.jsonl").exists()
    assert [p.name for p in out.rglob("*") if ".tmp-" in p.name] == []


@needs_quickstart
def test_inspect_marks_the_trained_span():
    out = run_tunepipe("inspect", "pipelines/quickstart.toml", "--index", "2", "--ids", check=True).stdout
    first = json.loads((QUICKSTART / "data" / "train.jsonl").read_text().splitlines()[2])
    assert out.startswith('sample 2 of split "train" (build/quickstart/data/train.jsonl:3)')
    assert f"<|im_start|>assistant\n⟦{first['output']}<|im_end|>⟧\n" in out
    assert "\ninput_ids: " in out and "\nlabels:    -100 " in out
    result = run_tunepipe("inspect", "pipelines/quickstart.toml", "--index", "100000")
    assert result.returncode == 1
    assert "has only 480 samples" in result.stderr


@needs_quickstart
def test_tokenize_single_text_and_decode(tmp_path):
    model = QUICKSTART / "model"
    ids = run_tunepipe("tokenize", "--model", model, "--text", "体育比赛<|im_end|>", check=True).stdout.split()
    text = run_tunepipe("tokenize", "--model", model, "--decode", input=" ".join(ids) + "\n", check=True).stdout
    assert json.loads(text) == "体育比赛<|im_end|>"
    result = run_tunepipe("tokenize", "--model", tmp_path)
    assert result.returncode == 1
    assert str(tmp_path) in result.stderr


def test_the_executable_allocates_through_jemalloc_keeping_freed_pages():
    """jemalloc's statistics at exit show it serves the process with the settings core/app/main.cpp gives it."""
    result = subprocess.run([str(BIN), "--version"], capture_output=True, text=True,
                            env={**os.environ, "MALLOC_CONF": "stats_print:true"})
    assert result.returncode == 0, result.stderr
    stats = result.stdout + result.stderr
    assert "opt.dirty_decay_ms: -1" in stats and "opt.muzzy_decay_ms: -1" in stats, stats[:2000]
