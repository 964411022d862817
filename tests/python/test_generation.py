"""Greedy generation equals transformers' on tiny random checkpoints it writes.

`tunepipe generate --prompt-ids … --greedy --print-ids` against
model.generate(do_sample=False) for 32 new tokens, with the KV cache.
"""
import shutil

import pytest

from tunepipe_env import QUICKSTART, REPO, needs_quickstart, run_tunepipe

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")


def write_checkpoint(directory, architecture):
    torch.manual_seed(7)
    common = dict(vocab_size=320, hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
                  num_key_value_heads=2, max_position_embeddings=256, eos_token_id=319, pad_token_id=0)
    if architecture == "qwen2":
        model = transformers.Qwen2ForCausalLM(transformers.Qwen2Config(**common))
    else:
        model = transformers.LlamaForCausalLM(transformers.LlamaConfig(**common, tie_word_embeddings=True))
    # Random weights give near-uniform logits; scaling them up makes the greedy
    # choices clear-cut, so float rounding cannot flip a tie.
    with torch.no_grad():
        for p in model.parameters():
            p.mul_(4.0)
    model.save_pretrained(directory, safe_serialization=True)
    # A checkpoint folder needs a tokenizer; the prompts here are ids.
    for file in (REPO / "tests" / "data" / "tokenizers" / "tiny-bpe").iterdir():
        shutil.copy(file, directory / file.name)
    return model.eval()


@pytest.mark.parametrize("architecture", ["qwen2", "llama"])
def test_greedy_continuation_matches_transformers(tmp_path, architecture):
    model = write_checkpoint(tmp_path, architecture)
    prompt = [5, 17, 42, 99, 3, 250, 7]
    expected = model.generate(torch.tensor([prompt]), attention_mask=torch.ones(1, len(prompt), dtype=torch.long),
                              max_new_tokens=32, do_sample=False)[0, len(prompt):].tolist()
    out = run_tunepipe("generate", "--model", tmp_path, "--prompt-ids", " ".join(map(str, prompt)),
                       "--max-new-tokens", "32", "--greedy", "--print-ids", "--device", "cpu", check=True).stdout
    assert [int(t) for t in out.split()] == expected


def test_sampling_is_repeatable_with_a_seed(tmp_path):
    write_checkpoint(tmp_path, "qwen2")
    args = ["generate", "--model", tmp_path, "--prompt-ids", "5 17 42", "--max-new-tokens", "16", "--temperature",
            "1.5", "--top-k", "50", "--top-p", "0.95", "--print-ids", "--device", "cpu"]
    first = run_tunepipe(*args, "--seed", "1", check=True).stdout
    assert first == run_tunepipe(*args, "--seed", "1", check=True).stdout
    others = {run_tunepipe(*args, "--seed", str(s), check=True).stdout for s in range(2, 6)}
    assert others - {first}, "different seeds never changed the sample"


def test_generate_needs_exactly_one_prompt(tmp_path):
    write_checkpoint(tmp_path, "qwen2")
    result = run_tunepipe("generate", "--model", tmp_path)
    assert result.returncode == 2
    assert "give exactly one of --prompt and --prompt-ids" in result.stderr


@needs_quickstart
def test_chat_answers_each_turn_as_generate_would():
    model = QUICKSTART / "model"
    common = ["--model", model, "--template", "chatml", "--max-new-tokens", "6", "--greedy", "--device", "cpu"]
    first = run_tunepipe("generate", *common, "--prompt", "体育比赛", check=True).stdout
    second = run_tunepipe("generate", *common, "--prompt", "股市", check=True).stdout
    chat = run_tunepipe("chat", *common, input="体育比赛\n/reset\n股市\n/exit\nnot read\n", check=True).stdout
    assert chat == first + second

