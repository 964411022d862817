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
import signal
import subprocess
import time
import tomllib
from pathlib import Path

import pytest

from devices import DEVICES
from tunepipe_env import BIN, QUICKSTART, REPO, needs_quickstart, run_tunepipe, toml_value

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")
peft = pytest.importorskip("peft")
from safetensors.torch import load_file  # noqa: E402

pytestmark = needs_quickstart

LORA = {"r": 8, "alpha": 16, "target_modules": ["all-linear"]}


def write_pipeline(directory: Path, adapter: dict, trainer: dict, device: str = "cpu",
                   dataset: dict | None = None) -> Path:
    """The quickstart's data (with these [dataset] options), template and model (on `device`) with this adapter
    and trainer, no evaluator, a jsonl sink."""
    quickstart = tomllib.loads((REPO / "pipelines" / "quickstart.toml").read_text("utf-8"))
    sections = {
        "pipeline": {"name": "training-test", "output_dir": str(directory / "run"), "seed": 42},
        "model": {"plugin": "hf", "path": str(QUICKSTART / "model"), "device": device},
        "dataset": {"plugin": "jsonl", "train": str(QUICKSTART / "data" / "train.jsonl"),
                    "test": str(QUICKSTART / "data" / "test.jsonl"), **(dataset or {})},
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


@pytest.mark.parametrize("device", DEVICES)
def test_twenty_steps_equal_hf_trainer_with_peft(device, tmp_path):
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
    pipeline = write_pipeline(tmp_path, {**LORA, "init": str(tmp_path / "init")}, trainer, device)
    run_tunepipe("run", pipeline, check=True)
    run_dir = tmp_path / "run"

    arguments = transformers.TrainingArguments(
        output_dir=str(tmp_path / "hf"), per_device_train_batch_size=4, gradient_accumulation_steps=2,
        learning_rate=5e-3, lr_scheduler_type="cosine", warmup_steps=3, weight_decay=0.01, max_grad_norm=0.5,
        max_steps=20, logging_steps=1, seed=42, report_to=[], save_strategy="no", use_cpu=device == "cpu")
    tokenizer = transformers.AutoTokenizer.from_pretrained(QUICKSTART / "model")
    hf = transformers.Trainer(model=model, args=arguments, train_dataset=Rows(run_dir / "tokenized" / "train.jsonl"),
                              data_collator=transformers.DataCollatorForSeq2Seq(tokenizer, padding=True))
    hf.train()
    assert_trained_as_hf(run_dir, hf, model, steps=20)


def assert_trained_as_hf(run_dir: Path, hf: transformers.Trainer, model, steps: int) -> None:
    """Each step's learning rate, loss and gradient norm, and the final adapter, as HF Trainer + peft's."""
    history = [entry for entry in hf.state.log_history if "loss" in entry and "step" in entry]
    ours = {name: series(run_dir, f"train/{name}") for name in ("loss", "lr", "grad_norm")}
    assert len(history) == steps and sorted(ours["loss"]) == list(range(1, steps + 1))
    for entry in history:
        step = entry["step"]
        assert ours["lr"][step] == pytest.approx(entry["learning_rate"], rel=1e-9), step
        assert ours["loss"][step] == pytest.approx(entry["loss"], rel=1e-4), step
        assert ours["grad_norm"][step] == pytest.approx(entry["grad_norm"], rel=1e-4), step

    final = load_file(run_dir / "adapter" / "adapter_model.safetensors")
    reference = {name: tensor.cpu() for name, tensor in peft.get_peft_model_state_dict(model).items()}
    assert sorted(final) == sorted(reference)
    for name, tensor in reference.items():
        error = ((final[name] - tensor).abs().max() / tensor.abs().max()).item()
        assert error <= 1e-4, f"{name}: max relative error {error:.2e}"


def test_padding_to_a_multiple_changes_the_shapes_and_not_the_losses(tmp_path):
    trainer = {"max_steps": 3, "batch_size": 4, "learning_rate": 5e-3, "logging_steps": 1}
    losses = {}
    for multiple in (1, 64):
        directory = tmp_path / f"multiple-{multiple}"
        directory.mkdir()
        run_tunepipe("run", write_pipeline(directory, LORA, {**trainer, "pad_to_multiple_of": multiple}), check=True)
        losses[multiple] = series(directory / "run", "train/loss")
    assert sorted(losses[64]) == [1, 2, 3]
    for step, loss in losses[1].items():
        assert losses[64][step] == pytest.approx(loss, rel=1e-6), step


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


def test_resume_if_any_starts_afresh_then_resumes_and_goes_alone(tmp_path):
    pipeline = write_pipeline(tmp_path, LORA, {"max_steps": 4, "save_steps": 2, "logging_steps": 1})
    run_tunepipe("run", pipeline, "--resume-if-any", check=True)
    assert texts(tmp_path / "run", "train/resumed") == ""
    run_tunepipe("run", pipeline, "--resume-if-any", check=True)
    assert texts(tmp_path / "run", "train/resumed") == \
        f"resumed from {tmp_path / 'run' / 'checkpoints' / 'checkpoint-4'} at step 4"
    for other in ("--resume", "--overwrite"):
        result = run_tunepipe("run", pipeline, "--resume-if-any", other)
        assert result.returncode != 0
        assert "--resume-if-any chooses between resuming and starting afresh itself: give it alone" in result.stderr


def test_weights_blown_up_by_an_update_are_never_saved(tmp_path):
    # lr 1e30: step 1's loss and gradients are finite, the update is not. Its weights used to be saved as
    # checkpoint-1, "the last good checkpoint", which failed again at once when resumed.
    pipeline = write_pipeline(tmp_path, LORA, {"max_steps": 6, "learning_rate": 1e30, "save_steps": 1})
    result = run_tunepipe("run", pipeline)
    assert result.returncode != 0
    assert "step 1: after its update the adapter's weights give a nan loss on the batch just trained, so they were " \
           "not saved — no checkpoint was written before it" in result.stderr
    assert not (tmp_path / "run" / "checkpoints" / "checkpoint-1").exists()
    assert not (tmp_path / "run" / "adapter").exists()

    # A good checkpoint first, then the blow-up: the message names it, and resuming from it works.
    (tmp_path / "ramp").mkdir()
    ramp = write_pipeline(tmp_path / "ramp", LORA, {"max_steps": 6, "learning_rate": 1e30, "warmup_steps": 1000000000,
                                                    "save_steps": 1})
    result = run_tunepipe("run", ramp)
    assert result.returncode != 0
    good = tmp_path / "ramp" / "run" / "checkpoints" / "checkpoint-1"
    assert f"the last good checkpoint is {good}" in result.stderr
    assert good.is_dir()


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


def start_run(pipeline: Path, *args) -> subprocess.Popen:
    return subprocess.Popen([str(BIN), "run", str(pipeline), *map(str, args)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, cwd=REPO)


def logged_steps(run_dir: Path) -> int:
    """The last step a running run has logged train/loss for (its last line may be half written)."""
    try:
        lines = (run_dir / "events.jsonl").read_text("utf-8").splitlines()
    except FileNotFoundError:
        return 0
    steps = [0]
    for line in lines:
        if '"train/loss"' in line and line.endswith("}"):
            steps.append(json.loads(line)["step"])
    return max(steps)


def wait_for_step(process: subprocess.Popen, run_dir: Path, step: int) -> None:
    deadline = time.monotonic() + 300
    while logged_steps(run_dir) < step:
        assert process.poll() is None, process.stderr.read()
        assert time.monotonic() < deadline, "the run did not reach the step"
        time.sleep(0.05)


def test_sigterm_saves_the_step_reached_and_resume_finishes_as_if_uninterrupted(tmp_path):
    trainer = {"max_steps": 40, "batch_size": 4, "learning_rate": 5e-3, "logging_steps": 1}
    (tmp_path / "whole").mkdir()
    whole = write_pipeline(tmp_path / "whole", {**LORA, "dropout": 0.1}, trainer)
    run_tunepipe("run", whole, check=True)
    uninterrupted = (tmp_path / "whole" / "run" / "adapter" / "adapter_model.safetensors").read_bytes()

    pipeline = write_pipeline(tmp_path, {**LORA, "dropout": 0.1}, trainer)
    (tmp_path / "pipeline.toml").write_text(pipeline.read_text("utf-8") + '[[sinks]]\nplugin = "html"\n', "utf-8")
    run_dir = tmp_path / "run"
    process = start_run(pipeline)
    wait_for_step(process, run_dir, 3)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=300)
    assert process.returncode == 128 + signal.SIGTERM, stderr
    stopped = texts(run_dir, "train/interrupted")
    step = max(series(run_dir, "train/loss"))
    checkpoint = run_dir / "checkpoints" / f"checkpoint-{step}"
    assert f"stopped at step {step} of 40; checkpoint {checkpoint} holds it" in stopped
    assert "tunepipe run: interrupted: " in stderr and "--resume" in stderr
    assert checkpoint.is_dir() and not (run_dir / "adapter").exists()
    assert '<span class="status stopped">interrupted</span>' in (run_dir / "report.html").read_text("utf-8")

    run_tunepipe("run", pipeline, "--resume", check=True)
    assert (run_dir / "adapter" / "adapter_model.safetensors").read_bytes() == uninterrupted
    assert '<span class="status finished">finished</span>' in (run_dir / "report.html").read_text("utf-8")


def test_a_second_signal_stops_at_once(tmp_path):
    pipeline = write_pipeline(tmp_path, LORA, {"max_steps": 1000, "logging_steps": 1, "eval_steps": 1,
                                               "max_eval_samples": 1000})
    process = start_run(pipeline)
    wait_for_step(process, tmp_path / "run", 1)
    process.send_signal(signal.SIGINT)
    # Once the first one is handled (it says so), the second ends the process by the signal itself.
    notice = ""
    while "signal again to stop at once" not in notice:
        notice += process.stderr.readline()
    process.send_signal(signal.SIGINT)
    process.communicate(timeout=60)
    assert process.returncode == -signal.SIGINT


def test_a_fresh_run_refuses_a_folder_that_holds_a_trained_run_unless_overwrite(tmp_path):
    pipeline = write_pipeline(tmp_path, LORA, {"max_steps": 2, "save_steps": 1})
    run_tunepipe("run", pipeline, check=True)
    result = run_tunepipe("run", pipeline)
    assert result.returncode != 0
    assert f"{tmp_path / 'run'}: error: this output folder holds an earlier training run (checkpoints/, adapter/): " \
           "continue it with `run --resume`, replace it with `run --overwrite`" in result.stderr
    first = (tmp_path / "run" / "adapter" / "adapter_model.safetensors").read_bytes()
    stale = tmp_path / "run" / "checkpoints" / "checkpoint-99"
    shutil.copytree(tmp_path / "run" / "checkpoints" / "checkpoint-2", stale)

    run_tunepipe("run", pipeline, "--overwrite", check=True)
    assert not stale.exists(), "--overwrite deleted the earlier run's checkpoints"
    assert (tmp_path / "run" / "adapter" / "adapter_model.safetensors").read_bytes() == first  # same seed, same run
    both = run_tunepipe("run", pipeline, "--resume", "--overwrite")
    assert both.returncode == 2 and "give one" in both.stderr


def test_resume_refuses_the_checkpoint_of_another_pipeline(tmp_path):
    pipeline = write_pipeline(tmp_path, LORA, {"max_steps": 4, "save_steps": 2})
    run_tunepipe("run", pipeline, check=True)
    shutil.rmtree(tmp_path / "run" / "checkpoints" / "checkpoint-4")
    other = pipeline.read_text("utf-8").replace('name = "training-test"', 'name = "other-test"')
    other = other.replace("seed = 42", "seed = 7").replace("r = 8", "r = 8\ndropout = 0.2")
    other_pipeline = tmp_path / "other.toml"
    other_pipeline.write_text(other, "utf-8")
    result = run_tunepipe("run", other_pipeline, "--resume")
    assert result.returncode != 0
    state = tmp_path / "run" / "checkpoints" / "checkpoint-2" / "trainer_state.json"
    assert f'{state}: error: [trainer] sft: this checkpoint belongs to another run: it was written by pipeline ' \
           f'"training-test" and ' \
           f'this is pipeline "other-test"' in result.stderr
    assert "pipeline.seed = 42 there, 7 here" in result.stderr
    assert "adapter.dropout = 0 there, 0.2 here" in result.stderr
    assert "the train data differ" not in result.stderr

    fewer = tmp_path / "fewer.jsonl"
    fewer.write_text("".join((QUICKSTART / "data" / "train.jsonl").read_text("utf-8").splitlines(True)[:100]), "utf-8")
    other_data = tmp_path / "other-data.toml"
    other_data.write_text(pipeline.read_text("utf-8").replace(str(QUICKSTART / "data" / "train.jsonl"), str(fewer)),
                          "utf-8")
    result = run_tunepipe("run", other_data, "--resume")
    assert result.returncode != 0
    assert "the train data differ (tokens sha256 " in result.stderr
    run_tunepipe("run", pipeline, "--resume", check=True)  # its own pipeline resumes it


def test_a_folder_that_no_run_wrote_is_never_written_into(tmp_path):
    pipeline = write_pipeline(tmp_path, LORA, {"max_steps": 1})
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "report.html").write_text("mine", "utf-8")
    result = run_tunepipe("run", pipeline)
    assert result.returncode == 1
    assert f"{tmp_path / 'run'}: error: output_dir already holds files that no tunepipe run wrote" in result.stderr
    assert [p.name for p in (tmp_path / "run").iterdir()] == ["report.html"]
    assert (tmp_path / "run" / "report.html").read_text("utf-8") == "mine"
