"""Training on Yuan2: LoRA against HF Trainer + peft on IEIT's reference code, and seed 003 end to end.

The tiny checkpoint is the one the parity tests write (real vocabulary and special ids, the Yuan2 tokenizer);
the records are resumes with their named entities as JSON, as seed 003's tutorial trains on.
"""
from __future__ import annotations

import json
import math
import re

import peft
import pytest
import torch
import transformers

from reference_models import relative_error
from test_model_parity import forward
from test_training import Rows, assert_trained_as_hf, series
from tunepipe_env import REPO, run_tunepipe
from yuan2_reference import EOD, load_reference, reload, write_tiny_checkpoint

PEOPLE = ["张伟", "王芳", "李娜", "刘洋", "陈静", "杨磊", "赵敏", "黄勇", "周杰", "吴霞", "徐涛", "孙丽"]
SCHOOLS = ["北京大学", "复旦大学", "浙江大学", "武汉大学"]
COMPANIES = ["华为技术有限公司", "阿里巴巴集团", "中国银行", "腾讯科技"]
TITLES = ["软件工程师", "产品经理", "财务总监", "销售主管"]
TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]


def resume_records(count: int) -> list[dict]:
    records = []
    for i in range(count):
        name, school = PEOPLE[i % len(PEOPLE)], SCHOOLS[i % len(SCHOOLS)]
        company, title = COMPANIES[(i // 2) % len(COMPANIES)], TITLES[(i // 3) % len(TITLES)]
        text = f"{name}，{1980 + i}年出生，毕业于{school}，现任{company}{title}。"
        entities = {"NAME": [name], "EDU": [school], "ORG": [company], "TITLE": [title]}
        records.append({"input": text, "output": json.dumps(entities, ensure_ascii=False)})
    return records


@pytest.fixture(scope="module")
def yuan2(tmp_path_factory):
    module = load_reference(tmp_path_factory.mktemp("reference"))
    return module, write_tiny_checkpoint(module, tmp_path_factory.mktemp("yuan2"))


SEED_003 = REPO / "pipelines" / "003-yuan2-2b-resume-ner.toml"


def seed_003(tmp_path, folder, *overrides, pipeline=SEED_003):
    data = tmp_path / "resumes.json"
    data.write_text(json.dumps(resume_records(24), ensure_ascii=False), "utf-8")
    run_dir = tmp_path / "run"
    run_tunepipe("run", pipeline, f"--set=pipeline.output_dir={run_dir}",
                 f"--set=model.path={folder}", f"--set=dataset.train={data}", "--set=model.dtype=fp32",
                 *[f"--set={o}" for o in overrides], check=True)
    return run_dir


def test_seed_003_trains_and_scores_json_f1_on_a_tiny_yuan2(yuan2, tmp_path):
    """The tutorial's pipeline as written (its added special tokens, bf16 aside, activation checkpointing,
    LoRA dropout), shortened: the loss falls and json_f1 is reported before and after training."""
    _, folder = yuan2
    run_dir = seed_003(tmp_path, folder, "trainer.max_steps=6", "trainer.batch_size=4",
                       "trainer.learning_rate=5e-3", "evaluator.limit=4", "evaluator.max_new_tokens=12")
    losses = series(run_dir, "train/loss")
    assert sorted(losses) == list(range(1, 7)) and all(math.isfinite(v) for v in losses.values())
    assert losses[6] < losses[1], losses
    scores = series(run_dir, "eval/json_f1")
    assert sorted(scores) == [0, 6], scores
    config = json.loads((run_dir / "adapter" / "adapter_config.json").read_text())
    assert sorted(config["target_modules"]) == sorted(TARGETS)


def collate(rows):
    """Right padding with <eod> (the checkpoint's pad), labels -100 there, as ours pads."""
    length = max(len(row["input_ids"]) for row in rows)
    def padded(key, value):
        return torch.tensor([row[key] + [value] * (length - len(row[key])) for row in rows])
    return {"input_ids": padded("input_ids", EOD), "labels": padded("labels", -100),
            "attention_mask": padded("attention_mask", 0)}


def test_twenty_lora_steps_equal_hf_trainer_with_peft_on_the_reference(yuan2, tmp_path):
    module, folder = yuan2
    torch.manual_seed(0)
    base = reload(module, folder)
    base.config.use_cache = False  # its cached path copies tensors in a way autograd refuses
    model = peft.get_peft_model(base, peft.LoraConfig(r=8, lora_alpha=16, target_modules=TARGETS, lora_dropout=0.0))
    with torch.no_grad():  # a non-zero B makes the first steps depend on every weight
        for name, parameter in model.named_parameters():
            if "lora_B" in name:
                parameter.normal_(0, 0.02)
    model.save_pretrained(tmp_path / "init")

    trainer = ["trainer.max_steps=20", "trainer.batch_size=4", "trainer.learning_rate=5e-3",
               "trainer.scheduler=\"cosine\"", "trainer.warmup_steps=3", "trainer.weight_decay=0.01",
               "trainer.max_grad_norm=0.5", "trainer.gradient_checkpointing=false", "adapter.dropout=0.0",
               "adapter.alpha=16", f"adapter.init=\"{tmp_path / 'init'}\""]
    run_dir = seed_003(tmp_path, folder, *trainer, "evaluator.limit=1", "evaluator.max_new_tokens=1")

    arguments = transformers.TrainingArguments(
        output_dir=str(tmp_path / "hf"), per_device_train_batch_size=4, learning_rate=5e-3, lr_scheduler_type="cosine",
        warmup_steps=3, weight_decay=0.01, max_grad_norm=0.5, max_steps=20, logging_steps=1, seed=42, report_to=[],
        save_strategy="no", use_cpu=True)
    model.train()
    hf = transformers.Trainer(model=model, args=arguments, train_dataset=Rows(run_dir / "tokenized" / "train.jsonl"),
                              data_collator=collate)
    hf.train()
    assert_trained_as_hf(run_dir, hf, model, steps=20)

    # Our adapter, loaded by peft on the reference model, gives our logits with it.
    adapted = peft.PeftModel.from_pretrained(reload(module, folder), run_dir / "adapter").eval()
    sequence = json.loads((run_dir / "tokenized" / "train.jsonl").read_text("utf-8").splitlines()[0])["input_ids"]
    ours_logits = forward(folder, tmp_path, [sequence], "--adapter", run_dir / "adapter")["logits"][0]
    with torch.no_grad():
        expected = adapted(input_ids=torch.tensor([sequence]), use_cache=False).logits[0]
    assert relative_error(ours_logits, expected) <= 1e-4


def test_a_merged_yuan2_loads_in_the_reference_with_the_adapters_logits(yuan2, tmp_path):
    """merge writes every weight back in the checkpoint's shapes (the filters' (2, 1) kernels included)."""
    module, folder = yuan2
    model = peft.get_peft_model(reload(module, folder), peft.LoraConfig(r=4, lora_alpha=8, target_modules=TARGETS))
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            if "lora_B" in name:
                parameter.normal_(0, 0.05)
    model.save_pretrained(tmp_path / "adapter")
    run_tunepipe("merge", "--model", folder, "--adapter", tmp_path / "adapter", "--out", tmp_path / "merged",
                 check=True)
    sequence = resume_records(1)[0]["input"].encode("utf-8")[:20]
    ids = [int(b) + 30000 for b in sequence]
    with torch.no_grad():
        expected = model.eval()(input_ids=torch.tensor([ids]), use_cache=False).logits[0]
        merged = reload(module, tmp_path / "merged")(input_ids=torch.tensor([ids]), use_cache=False).logits[0]
    assert relative_error(merged, expected) <= 1e-5
    ours = forward(tmp_path / "merged", tmp_path, [ids])["logits"][0]
    assert relative_error(ours, expected) <= 1e-4


@pytest.mark.parametrize("adapter", ["prompt-tuning", "p-tuning", "prefix"])
def test_the_prompt_adapters_train_on_yuan2_and_the_model_commands_use_them(yuan2, tmp_path, adapter):
    _, folder = yuan2
    text = SEED_003.read_text("utf-8")
    lora = re.search(r"\[adapter\]\n(?:[^\[\n][^\n]*\n)*", text).group(0)
    pipeline = tmp_path / f"{adapter}.toml"
    pipeline.write_text(text.replace(lora, f'[adapter]\nplugin = "{adapter}"\nnum_virtual_tokens = 4\n'), "utf-8")
    run_dir = seed_003(tmp_path, folder, "trainer.max_steps=3", "trainer.batch_size=4", "evaluator.limit=2",
                       "evaluator.max_new_tokens=4", pipeline=pipeline)
    assert all(math.isfinite(v) for v in series(run_dir, "train/loss").values())
    prompt = resume_records(1)[0]["input"]
    for command in ("generate", "chat"):
        extra = ["--prompt", prompt] if command == "generate" else []
        result = run_tunepipe(command, "--model", folder, "--adapter", run_dir / "adapter", "--template", "yuan",
                              "--max-new-tokens", "4", "--greedy", "--device", "cpu", *extra,
                              input=prompt + "\n", check=True)
        assert result.stdout.strip(), command
