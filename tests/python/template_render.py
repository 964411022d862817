"""Runs `tunepipe render` for the template tests and finds their reference data."""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

SOURCE_DIR = Path(os.environ.get("TUNEPIPE_SOURCE_DIR", Path(__file__).resolve().parents[2]))
TRAINED_OPEN, TRAINED_CLOSE = "⟦", "⟧"


def tunepipe_bin() -> Path:
    binary = Path(os.environ.get("TUNEPIPE_BIN", SOURCE_DIR / "build" / "bin" / "tunepipe"))
    if not binary.exists():
        pytest.skip(f"tunepipe executable not built at {binary} (set TUNEPIPE_BIN)")
    return binary


def shared_assets() -> Path:
    assets = Path(os.environ.get("TUNEPIPE_SHARED_ASSETS", SOURCE_DIR.parent / "shared" / "assets"))
    if not assets.is_dir():
        pytest.skip(f"shared test assets not found at {assets} (set TUNEPIPE_SHARED_ASSETS)")
    return assets


def conversation(system: str = "", *exchanges: str, trained: dict[int, bool] | None = None) -> dict:
    """A conversation from alternating user/assistant texts; trained maps turn index -> flag."""
    turns = []
    for index, content in enumerate(exchanges):
        turn = {"role": "user" if index % 2 == 0 else "assistant", "content": content}
        if trained and index in trained:
            turn["trained"] = trained[index]
        turns.append(turn)
    return {"system": system, "turns": turns}


def run_render(template: str, conversations: list[dict], options: dict[str, str] | None = None,
               prompt: bool = False, check: bool = True) -> subprocess.CompletedProcess:
    command = [str(tunepipe_bin()), "render", "--template", template]
    for key, value in (options or {}).items():
        command += ["--set", f"{key}={value}"]
    if prompt:
        command.append("--prompt")
    stdin = "".join(json.dumps(c, ensure_ascii=False) + "\n" for c in conversations)
    result = subprocess.run(command, input=stdin, capture_output=True, text=True, encoding="utf-8")
    if check and result.returncode != 0:
        raise AssertionError(f"{' '.join(command)} failed ({result.returncode}):\n{result.stderr}")
    return result


def render(template: str, conversations: list[dict], options: dict[str, str] | None = None,
           prompt: bool = False) -> list[dict]:
    """One {"text", "segments"} per conversation, checked for consistency."""
    lines = run_render(template, conversations, options, prompt).stdout.splitlines()
    rendered = [json.loads(line) for line in lines]
    assert len(rendered) == len(conversations)
    for item in rendered:
        assert item["text"] == "".join(s["text"] for s in item["segments"])
        if prompt:
            assert not any(s["trained"] for s in item["segments"]), "a prompt must not be trained"
    return rendered


def render_one(template: str, conv: dict, options: dict[str, str] | None = None, prompt: bool = False) -> dict:
    return render(template, [conv], options, prompt)[0]


def marked(rendered: dict) -> str:
    """The text with every trained span wrapped in ⟦ ⟧."""
    return "".join(TRAINED_OPEN + s["text"] + TRAINED_CLOSE if s["trained"] else s["text"]
                   for s in rendered["segments"])


def trained_spans(rendered: dict) -> list[str]:
    return [s["text"] for s in rendered["segments"] if s["trained"]]
