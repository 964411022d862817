"""Every class of bad pipeline input is pinned to its exact message.

Each tests/data/pipelines/bad/NAME.toml is validated (with NAME.args as extra
arguments when present) and its standard error must equal NAME.expected, in
which {cwd} stands for the working folder. TUNEPIPE_UPDATE_GOLDENS=1 rewrites
the .expected files; review the diff before committing it.
"""
import os
import shlex
from pathlib import Path

import pytest

from tunepipe_env import FIXTURE_PLUGINS, QUICKSTART, REPO, run_tunepipe

CORPUS = REPO / "tests" / "data" / "pipelines" / "bad"
CASES = sorted(p.stem for p in CORPUS.glob("*.toml"))


@pytest.fixture(scope="module", autouse=True)
def quickstart_assets():
    if not (QUICKSTART / "STAMP").exists():
        pytest.skip("build/quickstart is missing: run `make quickstart-assets` (make test does)")


@pytest.mark.parametrize("case", CASES)
def test_bad_pipeline_message(case):
    toml = CORPUS / f"{case}.toml"
    args_file = CORPUS / f"{case}.args"
    extra = shlex.split(args_file.read_text().format(fixture_plugins=FIXTURE_PLUGINS)) if args_file.exists() else []
    result = run_tunepipe("validate", toml.relative_to(REPO), *extra)
    assert result.returncode == 1, result.stderr
    assert result.stdout == ""
    actual = result.stderr.replace(str(REPO), "{cwd}")
    expected_file = CORPUS / f"{case}.expected"
    if os.environ.get("TUNEPIPE_UPDATE_GOLDENS") == "1":
        expected_file.write_text(actual)
    assert actual == expected_file.read_text()


def test_every_case_has_an_expected_message():
    assert CASES, "the bad-input corpus is empty"
    for case in CASES:
        assert (CORPUS / f"{case}.expected").exists(), f"{case}.toml has no {case}.expected"


def test_validate_accepts_a_good_pipeline():
    result = run_tunepipe("validate", "pipelines/quickstart.toml")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "pipelines/quickstart.toml: ok\n"


def test_errors_of_several_files_are_all_reported():
    result = run_tunepipe("validate", CORPUS.relative_to(REPO) / "unknown_key.toml",
                          "pipelines/quickstart.toml", CORPUS.relative_to(REPO) / "wrong_type.toml")
    assert result.returncode == 1
    assert result.stdout == "pipelines/quickstart.toml: ok\n"
    assert result.stderr.endswith("2 errors in 2 of 3 pipeline files\n")
