"""Where the tests find the tunepipe binary, the repository and the shared assets."""
import json
import os
import subprocess
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
    return json.dumps(value, ensure_ascii=False)  # strings read the same in TOML
