"""Renders Jinja templates both ways: with transformers' own chat-template
environment (the reference) and with tunepipe's engine (tunepipe_jinja_render)."""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tunepipe_env import BUILD, SHARED_ASSETS

RENDER_TOOL = Path(os.environ.get("TUNEPIPE_JINJA_RENDER", BUILD / "tests" / "tunepipe_jinja_render"))


def hf_render(source: str, variables: dict) -> dict:
    """{"text": …} or {"error": …} as transformers renders a chat template."""
    from transformers.utils.chat_template_utils import _compile_jinja_template
    try:
        return {"text": _compile_jinja_template(source).render(**variables)}
    except Exception as error:  # the reference's failure is the expected outcome
        return {"error": f"{type(error).__name__}: {error}"}


def our_render(template_file: Path, variable_sets: list[dict]) -> list[dict]:
    if not RENDER_TOOL.exists():
        pytest.skip(f"{RENDER_TOOL} is not built (set TUNEPIPE_JINJA_RENDER)")
    stdin = "".join(json.dumps(v, ensure_ascii=False) + "\n" for v in variable_sets)
    result = subprocess.run([str(RENDER_TOOL), str(template_file)], input=stdin, capture_output=True, text=True)
    if result.returncode != 0:
        return [{"error": result.stderr.strip()}] * len(variable_sets)
    return [json.loads(line) for line in result.stdout.splitlines()]


def agree(expected: dict, got: dict) -> bool:
    """Same text, or both refused."""
    if "error" in expected:
        return "error" in got
    return got.get("text") == expected["text"]


def difference(expected: dict, got: dict) -> str:
    if "error" in expected or "error" in got:
        return f"expected {expected!r}\n     got {got!r}"
    a, b = expected["text"], got["text"]
    at = next((i for i in range(min(len(a), len(b))) if a[i] != b[i]), min(len(a), len(b)))
    return f"first difference at {at}:\nexpected {a[max(0, at - 80):at + 80]!r}\n     got {b[max(0, at - 80):at + 80]!r}"


def real_templates() -> list[tuple[str, str]]:
    """(name, source) of the .jinja files and of each tokenizer_config.json chat_template."""
    if not SHARED_ASSETS.is_dir():
        pytest.skip(f"shared assets not found at {SHARED_ASSETS}")
    found = [(p.name, p.read_text("utf-8")) for p in sorted((SHARED_ASSETS / "chat_templates").glob("*.jinja"))]
    for config in sorted((SHARED_ASSETS / "tokenizers").glob("*/tokenizer_config.json")):
        template = json.loads(config.read_text("utf-8")).get("chat_template")
        if isinstance(template, str):
            found.append((f"{config.parent.name}/tokenizer_config.json", template))
        elif isinstance(template, list):
            found += [(f"{config.parent.name}/{t['name']}", t["template"]) for t in template]
    return found
