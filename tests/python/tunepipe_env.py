"""Where the tests find the tunepipe binary, the repository and the shared assets."""
import json
import os
import subprocess
import tomllib
from pathlib import Path

import pytest

REPO = Path(os.environ.get("TUNEPIPE_SOURCE_DIR", Path(__file__).resolve().parents[2]))
BUILD = Path(os.environ.get("TUNEPIPE_BUILD_DIR", REPO / "build"))
BIN = Path(os.environ.get("TUNEPIPE_BIN", BUILD / "bin" / "tunepipe"))
FIXTURE_PLUGINS = Path(os.environ.get("TUNEPIPE_FIXTURE_PLUGIN_DIR", BUILD / "tests" / "fixture-plugins"))
SHARED_ASSETS = Path(os.environ.get("TUNEPIPE_SHARED_ASSETS", REPO.parent / "shared" / "assets"))
QUICKSTART = REPO / "build" / "quickstart"

# For tests that use the generated quickstart default (make test creates it).
needs_quickstart = pytest.mark.skipif(not (QUICKSTART / "STAMP").exists(),
                                      reason="build/quickstart is missing: run `make quickstart-assets`")


def run_tunepipe(*args, input=None, cwd=REPO, check=False):
    result = subprocess.run([str(BIN), *map(str, args)], input=input, capture_output=True, text=True, cwd=cwd)
    if check and result.returncode != 0:
        raise AssertionError(f"tunepipe {' '.join(map(str, args))} failed ({result.returncode}):\n{result.stderr}")
    return result


def toml_value(value) -> str:
    """A Python value as a TOML value: booleans, numbers, strings, arrays and inline tables."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{key} = {toml_value(v)}" for key, v in value.items()) + " }"
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return toml_string(value)


def toml_string(text: str) -> str:
    """A basic TOML string: printable characters as they are, the rest (controls, DEL, line separators)
    escaped, so any Python string reads back equal."""
    def char(c: str) -> str:
        if c.isprintable() and c not in '"\\':
            return c
        return f"\\u{ord(c):04x}" if ord(c) < 0x10000 else f"\\U{ord(c):08x}"
    return '"' + "".join(map(char, text)) + '"'


def write_quickstart_pipeline(directory: Path, name: str, sinks: list[dict], *, trainer: dict | None = None,
                              evaluator: dict | None = None, train_file: Path | None = None,
                              model: dict | None = None) -> Path:
    """pipelines/quickstart.toml on build/quickstart's model (or `model`, the [model] table) and data, its
    trainer and evaluator options updated with these, and these sinks: written to directory/pipeline.toml,
    the run going to directory/run."""
    quickstart = tomllib.loads((REPO / "pipelines" / "quickstart.toml").read_text("utf-8"))
    sections = {
        "pipeline": {"name": name, "output_dir": str(directory / "run"), "seed": 42},
        "model": model or {"plugin": "hf", "path": str(QUICKSTART / "model")},
        "dataset": {"plugin": "jsonl", "train": str(train_file or QUICKSTART / "data" / "train.jsonl"),
                    "test": str(QUICKSTART / "data" / "test.jsonl")},
        "dataset.fields": quickstart["dataset"]["fields"],
        "template": quickstart["template"],
        "adapter": quickstart["adapter"],
        "trainer": {**quickstart["trainer"], **(trainer or {})},
        "evaluator": {**quickstart["evaluator"], **(evaluator or {})},
    }
    text = "".join(f"[{section}]\n" + "".join(f"{key} = {toml_value(value)}\n" for key, value in table.items()) + "\n"
                   for section, table in sections.items())
    text += "".join("[[sinks]]\n" + "".join(f"{key} = {toml_value(value)}\n" for key, value in sink.items()) + "\n"
                    for sink in sinks)
    path = directory / "pipeline.toml"
    path.write_text(text, "utf-8")
    return path
