"""The README's main job: `tunepipe run pipelines/quickstart.toml` fine-tunes a
LoRA adapter on the quickstart default, the loss falls, held-out accuracy rises
from the base model's to well above chance (three options: 1/3), and the saved
adapter loads in peft with the same logits as ours."""
import json

import pytest
import torch
from peft import PeftModel
from safetensors.torch import load_file
from transformers import AutoModelForCausalLM

from tunepipe_env import QUICKSTART, needs_quickstart, run_tunepipe

pytestmark = needs_quickstart


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    out = tmp_path_factory.mktemp("quickstart") / "run"
    run_tunepipe("run", "pipelines/quickstart.toml", f"--set=pipeline.output_dir={out}", check=True)
    events = [json.loads(line) for line in (out / "events.jsonl").read_text().splitlines()]
    return out, events


def scalars(events, name):
    return [(e["step"], e["value"]) for e in events if e["kind"] == "scalar" and e["name"] == name]


def test_loss_falls_and_accuracy_rises_well_above_chance(run):
    out, events = run
    losses = [value for _, value in scalars(events, "train/loss")]
    assert len(losses) >= 3
    assert losses[-1] < losses[0] / 5
    accuracy = dict(scalars(events, "eval/choice_accuracy"))
    final_step = max(accuracy)
    assert accuracy[0] < 1 / 3, "the base model should not know the task yet"
    assert accuracy[final_step] >= 0.9
    summary = json.loads((out / "summary.json").read_text())
    assert summary["training"]["steps"] == final_step
    assert summary["training"]["adapter"] == str(out / "adapter")


def test_the_answers_table_reaches_the_sinks(run):
    _, events = run
    tables = [e for e in events if e["kind"] == "table" and e["name"] == "eval/answers"]
    assert tables and tables[-1]["columns"] == ["prompt", "reference", "prediction"]
    assert all(len(row) == 3 for row in tables[-1]["rows"])


def test_no_half_written_files_remain(run):
    out, _ = run
    assert [p.name for p in out.rglob("*") if ".tmp" in p.name] == []


@torch.no_grad()
def test_peft_loads_the_trained_adapter_with_equal_logits(run, tmp_path):
    out, _ = run
    config = json.loads((out / "adapter" / "adapter_config.json").read_text())
    assert config["peft_type"] == "LORA" and config["r"] == 8 and config["lora_alpha"] == 16
    sequences = [[5, 17, 300, 42, 7, 99, 3], [8, 1, 2, 600, 11]]
    logits_file = tmp_path / "logits.safetensors"
    run_tunepipe("forward", "--model", QUICKSTART / "model", "--adapter", out / "adapter", "--out", logits_file,
                 input="".join(" ".join(map(str, s)) + "\n" for s in sequences), check=True)
    ours = load_file(logits_file)["logits"]
    base = AutoModelForCausalLM.from_pretrained(QUICKSTART / "model", dtype=torch.float32)
    model = PeftModel.from_pretrained(base, out / "adapter").eval()
    for row, sequence in enumerate(sequences):
        reference = model(torch.tensor([sequence])).logits[0]
        mine = ours[row, -len(sequence):] if ours.shape[1] > len(sequence) else ours[row]
        error = ((mine - reference).abs().max() / reference.abs().max()).item()
        assert error <= 1e-4, f"row {row}: max relative error {error:.2e}"
