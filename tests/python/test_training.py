"""`tunepipe run` with [adapter] lora and [trainer] sft on the quickstart default.

Parity: from the same initial adapter (peft writes it), 20 steps of our trainer give HF Trainer + peft's
losses, learning rates and gradient norms (same data order from the same seed, gradient accumulation,
cosine schedule with warmup, weight decay, clipping, fused AdamW). Resume: a run continued from a
checkpoint logs the losses of an uninterrupted one, and a half-written checkpoint folder is ignored.
A loss that turns non-finite stops the run, naming the step and the last checkpoint.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import time
import tomllib
from pathlib import Path

import pytest

from tunepipe_env import BIN, QUICKSTART, REPO, needs_quickstart, run_tunepipe, toml_value

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")
peft = pytest.importorskip("peft")
from safetensors.torch import load_file  # noqa: E402

pytestmark = needs_quickstart

LORA = {"r": 8, "alpha": 16, "target_modules": ["all-linear"]}


def write_pipeline(directory: Path, adapter: dict, trainer: dict) -> Path:
    """The quickstart's data, template and model with this adapter and trainer, no evaluator, a jsonl sink."""
    quickstart = tomllib.loads((REPO / "pipelines" / "quickstart.toml").read_text("utf-8"))
    sections = {
        "pipeline": {"name": "training-test", "output_dir": str(directory / "run"), "seed": 42},
        "model": {"plugin": "hf", "path": str(QUICKSTART / "model")},
        "dataset": {"plugin": "jsonl", "train": str(QUICKSTART / "data" / "train.jsonl"),
                    "test": str(QUICKSTART / "data" / "test.jsonl")},
        "dataset.fields": quickstart["dataset"]["fields"],
        "template": quickstart["template"],
        "adapter": {"plugin": "lora", **adapter},
        "trainer": {"plugin": "sft", **trainer},
    }
    text = "".join(f"[{name}]\n" + "".join(f"{key} = {toml_value(value)}\n" for key, value in table.items()) + "\n"
                   for name, table in sections.items())
    path = directory / "pipeline.toml"
    path.write_text(text + '[[sinks]]\nplugin = "jsonl"\n', "utf-8")
    return path


def events(run_dir: Path) -> list[dict]:
    return [json.loads(line) for line in (run_dir / "events.jsonl").read_text("utf-8").splitlines()]


def series(run_dir: Path, name: str) -> dict[int, float]:
    return {e["step"]: e["value"] for e in events(run_dir) if e["kind"] == "scalar" and e["name"] == name}


def texts(run_dir: Path, name: str) -> str:
    return "\n".join(e["text"] for e in events(run_dir) if e["kind"] == "text" and e["name"] == name)


class Rows(torch.utils.data.Dataset):
    def __init__(self, path: Path):
        self.rows = [json.loads(line) for line in path.read_text("utf-8").splitlines()]

    def __len__(self):
        return len(self.rows)

    def __getitem__(self, index):
        row = self.rows[index]
        return {"input_ids": row["input_ids"], "labels": row["labels"], "attention_mask": [1] * len(row["input_ids"])}


def test_twenty_steps_equal_hf_trainer_with_peft(tmp_path):
    torch.manual_seed(0)
    base = transformers.AutoModelForCausalLM.from_pretrained(QUICKSTART / "model", dtype=torch.float32)
    model = peft.get_peft_model(base, peft.LoraConfig(r=8, lora_alpha=16, target_modules="all-linear", lora_dropout=0.0))
    # peft starts B at zero; a non-zero B makes the first steps depend on every weight.
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            if "lora_B" in name:
                parameter.normal_(0, 0.02)
    model.save_pretrained(tmp_path / "init")

    trainer = {"max_steps": 20, "batch_size": 4, "grad_accum": 2, "learning_rate": 5e-3, "scheduler": "cosine",
               "warmup_steps": 3, "weight_decay": 0.01, "max_grad_norm": 0.5, "logging_steps": 1}
    pipeline = write_pipeline(tmp_path, {**LORA, "init": str(tmp_path / "init")}, trainer)
    run_tunepipe("run", pipeline, check=True)
    run_dir = tmp_path / "run"

    arguments = transformers.TrainingArguments(
        output_dir=str(tmp_path / "hf"), per_device_train_batch_size=4, gradient_accumulation_steps=2,
        learning_rate=5e-3, lr_scheduler_type="cosine", warmup_steps=3, weight_decay=0.01, max_grad_norm=0.5,
        max_steps=20, logging_steps=1, seed=42, report_to=[], save_strategy="no", use_cpu=True)
    tokenizer = transformers.AutoTokenizer.from_pretrained(QUICKSTART / "model")
    hf = transformers.Trainer(model=model, args=arguments, train_dataset=Rows(run_dir / "tokenized" / "train.jsonl"),
                              data_collator=transformers.DataCollatorForSeq2Seq(tokenizer, padding=True))
    hf.train()
    history = [entry for entry in hf.state.log_history if "loss" in entry and "step" in entry]

    ours = {name: series(run_dir, f"train/{name}") for name in ("loss", "lr", "grad_norm")}
    assert len(history) == 20 and sorted(ours["loss"]) == list(range(1, 21))
    for entry in history:
        step = entry["step"]
        assert ours["lr"][step] == pytest.approx(entry["learning_rate"], rel=1e-9), step
        assert ours["loss"][step] == pytest.approx(entry["loss"], rel=1e-4), step
        assert ours["grad_norm"][step] == pytest.approx(entry["grad_norm"], rel=1e-4), step

    final = load_file(run_dir / "adapter" / "adapter_model.safetensors")
    reference = peft.get_peft_model_state_dict(model)
    assert sorted(final) == sorted(reference)
    for name, tensor in reference.items():
        error = ((final[name] - tensor).abs().max() / tensor.abs().max()).item()
        assert error <= 1e-4, f"{name}: max relative error {error:.2e}"


def test_a_resumed_run_logs_the_losses_of_an_uninterrupted_one(tmp_path):
    trainer = {"max_steps": 12, "batch_size": 4, "grad_accum": 2, "learning_rate": 5e-3, "warmup_steps": 2,
               "save_steps": 6, "logging_steps": 1}
    pipeline = write_pipeline(tmp_path, {**LORA, "dropout": 0.1}, trainer)
    run_tunepipe("run", pipeline, check=True)
    run_dir = tmp_path / "run"
    uninterrupted = series(run_dir, "train/loss")
    assert sorted(uninterrupted) == list(range(1, 13))
    final_adapter = (run_dir / "adapter" / "adapter_model.safetensors").read_bytes()

    # What a run killed after writing checkpoint-6 leaves behind, plus a checkpoint it was writing then.
    checkpoints = run_dir / "checkpoints"
    shutil.rmtree(checkpoints / "checkpoint-12")
    shutil.rmtree(run_dir / "adapter")
    (checkpoints / "checkpoint-9.partial-4242").mkdir()
    (checkpoints / "checkpoint-9.partial-4242" / "trainer_state.json").write_text("{", "utf-8")

    run_tunepipe("run", pipeline, "--resume", check=True)
    assert f"resumed from {checkpoints / 'checkpoint-6'} at step 6" in texts(run_dir, "train/resumed")
    # The events file is appended to: the first run's events, then the resumed run's.
    logged = events(run_dir)
    resumed_at = next(i for i, e in enumerate(logged) if e["name"] == "train/resumed")
    before = [e["step"] for e in logged[:resumed_at] if e["kind"] == "scalar" and e["name"] == "train/loss"]
    assert before == list(range(1, 13))
    resumed = {e["step"]: e["value"] for e in logged[resumed_at:] if e["kind"] == "scalar" and e["name"] == "train/loss"}
    assert sorted(resumed) == list(range(7, 13))
    assert all(resumed[step] == uninterrupted[step] for step in resumed), (resumed, uninterrupted)
    assert (run_dir / "adapter" / "adapter_model.safetensors").read_bytes() == final_adapter
    assert not (checkpoints / "checkpoint-9.partial-4242").exists(), "a stale partial folder is cleaned at start"


def test_resume_without_a_checkpoint_says_so(tmp_path):
    pipeline = write_pipeline(tmp_path, LORA, {"max_steps": 2})
    result = run_tunepipe("run", pipeline, "--resume")
    assert result.returncode != 0
    assert "no complete checkpoint to resume from (set [trainer] save_steps to write some)" in result.stderr
    saving = write_pipeline(tmp_path, LORA, {"max_steps": 2, "save_steps": 5})
    result = run_tunepipe("run", saving, "--resume")
    assert result.returncode != 0
    assert "the run stopped before its first one (save_steps = 5); start it again without --resume" in result.stderr


def test_a_non_finite_loss_stops_the_run_naming_the_last_checkpoint(tmp_path):
    pipeline = write_pipeline(tmp_path, LORA, {"max_steps": 6, "learning_rate": 1e30, "save_steps": 1})
    result = run_tunepipe("run", pipeline)
    assert result.returncode != 0
    checkpoint = tmp_path / "run" / "checkpoints" / "checkpoint-1"
    assert f"step 2: the training loss is nan; stopped before updating the adapter — the last good checkpoint is " \
           f"{checkpoint}" in result.stderr
    assert not (tmp_path / "run" / "adapter").exists()


def test_a_second_run_on_the_same_output_folder_fails_at_once_naming_the_first(tmp_path):
    pipeline = write_pipeline(tmp_path, LORA, {"max_steps": 1000, "logging_steps": 1})
    first = subprocess.Popen([str(BIN), "run", str(pipeline)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             cwd=REPO)
    lock = tmp_path / "run" / ".tunepipe.lock"
    try:
        deadline = time.monotonic() + 120
        events_file = tmp_path / "run" / "events.jsonl"
        while not (lock.exists() and lock.read_text().strip() == str(first.pid) and events_file.exists()):
            assert first.poll() is None and time.monotonic() < deadline, "the first run did not take the lock"
            time.sleep(0.05)
        events_before = events_file.read_bytes()
        second = run_tunepipe("run", pipeline)
        assert second.returncode != 0
        assert f"another tunepipe run (pid {first.pid}) is using this output folder" in second.stderr
        assert events_file.read_bytes()[:len(events_before)] == events_before
    finally:
        first.kill()
        first.wait()
    # The lock dies with its holder (even killed): the folder is free again.
    run_tunepipe("run", pipeline, "--set", "trainer.max_steps=1", check=True)
