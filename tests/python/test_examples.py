"""The out-of-tree examples build against the installed SDK alone and load.

The test installs this build into build/sdk-install, configures examples/ with
only that prefix, builds it, and runs the installed tunepipe with the
examples' plugin folder.
"""
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tunepipe_env import BUILD, QUICKSTART, REPO

INSTALL = BUILD / "sdk-install"
EXAMPLES_BUILD = BUILD / "examples"


def run(*args, **kwargs):
    result = subprocess.run([str(a) for a in args], capture_output=True, text=True, cwd=REPO, **kwargs)
    assert result.returncode == 0, f"{' '.join(map(str, args))}\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def installed():
    run("cmake", "--install", BUILD, "--prefix", INSTALL)
    launcher = ["-DCMAKE_CXX_COMPILER_LAUNCHER=ccache"] if shutil.which("ccache") else []
    run("cmake", "-S", REPO / "examples", "-B", EXAMPLES_BUILD, "-G", "Ninja", f"-DCMAKE_PREFIX_PATH={INSTALL}",
        "-DCMAKE_BUILD_TYPE=RelWithDebInfo", *launcher)
    run("cmake", "--build", EXAMPLES_BUILD)
    return INSTALL / "bin" / "tunepipe", EXAMPLES_BUILD / "plugins"


def test_examples_use_only_the_installed_sdk():
    text = (REPO / "examples" / "CMakeLists.txt").read_text()
    assert "find_package(tunepipe" in text
    for cmake in (REPO / "examples").rglob("CMakeLists.txt"):
        assert "add_subdirectory(../" not in cmake.read_text()
    for source in (REPO / "examples").rglob("*.[ch]pp"):
        assert '#include "../' not in source.read_text(), f"{source} reaches into the tree"


def test_installed_tunepipe_lists_the_example_plugins(installed):
    tunepipe, plugins = installed
    out = run(tunepipe, "--plugin-path", plugins, "plugins").stdout
    assert "template   vicuna" in out
    assert "sink       markdown" in out
    assert "template   chatml" in out  # the installed plugins are found beside the installed binary


def test_example_template_renders(installed):
    tunepipe, plugins = installed
    conversation = {"system": "Be brief.", "turns": [{"role": "user", "content": "Hi"},
                                                     {"role": "assistant", "content": "Hello!"}]}
    out = run(tunepipe, "--plugin-path", plugins, "render", "--template", "vicuna",
              input=json.dumps(conversation) + "\n").stdout
    rendered = json.loads(out)
    assert rendered["text"] == "Be brief. USER: Hi ASSISTANT: Hello!</s>"
    assert [s for s in rendered["segments"] if s["trained"]] == [{"text": " Hello!</s>", "trained": True}]


def test_example_sink_is_swapped_in_by_one_line(installed, tmp_path):
    if not (QUICKSTART / "STAMP").exists():
        pytest.skip("build/quickstart is missing: run `make quickstart-assets`")
    tunepipe, plugins = installed
    pipeline = (REPO / "pipelines" / "quickstart.toml").read_text()
    pipeline = pipeline.replace('output_dir = "runs/quickstart"', f'output_dir = "{tmp_path / "run"}"')
    pipeline = pipeline.replace('[[sinks]]\nplugin = "jsonl"', '[[sinks]]\nplugin = "markdown"')
    assert 'plugin = "markdown"' in pipeline
    file = tmp_path / "pipeline.toml"
    file.write_text(pipeline)
    run(tunepipe, "--plugin-path", plugins, "run", file)
    report = (tmp_path / "run" / "report.md").read_text()
    assert report.startswith("# quickstart\n\nThe run finished.\n")
    assert "| data/train/rows | 480 |" in report
    assert "## data/summary" in report
