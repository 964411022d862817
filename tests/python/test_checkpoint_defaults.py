"""The checkpoint is the source of truth: `generate` and `chat` without
--template use the model's own chat template as transformers'
apply_chat_template does, and the dtype defaults to the checkpoint's own."""
from __future__ import annotations

import json
import shutil

import pytest

from tunepipe_env import QUICKSTART, SHARED_ASSETS, needs_quickstart, run_tunepipe

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")
safetensors_torch = pytest.importorskip("safetensors.torch")

STOCK_QWEN25_SYSTEM = "You are Qwen, created by Alibaba Cloud. You are a helpful assistant."


def qwen25_instruct_template() -> str:
    config = SHARED_ASSETS / "tokenizers" / "qwen2.5" / "tokenizer_config.json"
    if not config.exists():
        pytest.skip(f"shared assets not found at {SHARED_ASSETS}")
    template = json.loads(config.read_text("utf-8"))["chat_template"]
    return template.replace("You are a helpful assistant.", STOCK_QWEN25_SYSTEM)


def tiny_qwen2(folder, dtype=torch.float32):
    """A random Qwen2 over the quickstart tokenizer (ChatML's tokens; <|im_end|> = 2 is its EOS)."""
    torch.manual_seed(11)
    config = transformers.Qwen2Config(vocab_size=1024, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                                      num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=256,
                                      eos_token_id=2, pad_token_id=0)
    model = transformers.Qwen2ForCausalLM(config)
    with torch.no_grad():
        for p in model.parameters():
            p.mul_(4.0)
    model.to(dtype).save_pretrained(folder, safe_serialization=True)
    for file in (QUICKSTART / "model").glob("tokenizer*"):
        shutil.copy(file, folder / file.name)
    return model.eval()


def greedy_ids(*args) -> list[int]:
    result = run_tunepipe("generate", *args, "--max-new-tokens", "12", "--greedy", "--print-ids", "--device", "cpu")
    assert result.returncode == 0, result.stderr
    return [int(t) for t in result.stdout.split()]


@needs_quickstart
def test_generate_without_template_uses_the_model_template_as_transformers(tmp_path):
    model = tiny_qwen2(tmp_path)
    (tmp_path / "chat_template.jinja").write_text(qwen25_instruct_template(), "utf-8")
    tokenizer = transformers.AutoTokenizer.from_pretrained(tmp_path)
    question = "你好，请介绍一下你自己。"
    prompt = tokenizer.apply_chat_template([{"role": "user", "content": question}], add_generation_prompt=True,
                                           tokenize=True, return_dict=False)
    assert STOCK_QWEN25_SYSTEM in tokenizer.decode(prompt)
    with torch.no_grad():
        expected = model.generate(torch.tensor([prompt]), max_new_tokens=12, do_sample=False)[0, len(prompt):].tolist()
    assert greedy_ids("--model", tmp_path, "--prompt", question) == expected
    assert greedy_ids("--model", tmp_path, "--template", "jinja", "--prompt", question) == expected
    # chatml takes the same default system prompt from the model's template.
    assert greedy_ids("--model", tmp_path, "--template", "chatml", "--prompt", question) == expected
    raw = tokenizer(question).input_ids
    with torch.no_grad():
        expected_raw = model.generate(torch.tensor([raw]), max_new_tokens=12, do_sample=False)[0, len(raw):].tolist()
    assert greedy_ids("--model", tmp_path, "--raw", "--prompt", question) == expected_raw


@needs_quickstart
def test_chat_without_template_needs_one_from_the_model(tmp_path):
    tiny_qwen2(tmp_path)
    result = run_tunepipe("chat", "--model", tmp_path, "--max-new-tokens", "2", input="hi\n")
    assert result.returncode != 0 and "ships no chat template: give --template NAME" in result.stderr
    (tmp_path / "chat_template.jinja").write_text(qwen25_instruct_template(), "utf-8")
    chat = run_tunepipe("chat", "--model", tmp_path, "--max-new-tokens", "4", "--greedy", "--device", "cpu",
                        input="你好\n", check=True).stdout
    generated = run_tunepipe("generate", "--model", tmp_path, "--prompt", "你好", "--max-new-tokens", "4", "--greedy",
                             "--device", "cpu", check=True).stdout
    assert chat == generated


def forward_logits(folder, tmp_path, *dtype) -> torch.Tensor:
    out = tmp_path / f"logits{'-'.join(dtype)}.safetensors"
    run_tunepipe("forward", "--model", folder, "--out", out, *dtype, input="5 17 42 99\n", check=True)
    return safetensors_torch.load_file(out)["logits"]


@needs_quickstart
def test_dtype_defaults_to_the_checkpoint_dtype(tmp_path):
    folder = tmp_path / "bf16-model"
    tiny_qwen2(folder, torch.bfloat16)
    assert json.loads((folder / "config.json").read_text())["dtype"] == "bfloat16"
    auto = forward_logits(folder, tmp_path)
    assert torch.equal(auto, forward_logits(folder, tmp_path, "--dtype", "bf16"))
    assert not torch.equal(auto, forward_logits(folder, tmp_path, "--dtype", "fp32"))
    # The same in a pipeline: [model] dtype defaults to auto.
    described = run_tunepipe("describe", "model", "hf", check=True).stdout
    assert "auto" in described


@needs_quickstart
def test_a_checkpoint_naming_no_dtype_loads_in_fp32(tmp_path):
    tiny_qwen2(tmp_path)
    config = json.loads((tmp_path / "config.json").read_text())
    config.pop("dtype", None)
    config.pop("torch_dtype", None)
    (tmp_path / "config.json").write_text(json.dumps(config))
    assert torch.equal(forward_logits(tmp_path, tmp_path), forward_logits(tmp_path, tmp_path, "--dtype", "fp32"))
