"""The `gguf` model plugin (a GGUF file as a model) against transformers' own GGUF loading.

Tiny GGUF files are written with the gguf package as llama.cpp's converter lays them out (gguf_models.py). The judge is `AutoModelForCausalLM.from_pretrained(dir, gguf_file=...)`, which dequantizes with
the same gguf package; one file is also written from a transformers model, whose own logits are then the
reference. Our side is `tunepipe forward --model FILE.gguf` and `tunepipe generate --model FILE.gguf`.
"""
from __future__ import annotations

import json
from pathlib import Path

import gguf
import numpy as np
import pytest
import torch
from gguf import GGMLQuantizationType as Q
from safetensors.torch import load_file
from tokenizers import Tokenizer
from transformers import AutoModelForCausalLM, AutoTokenizer, LlamaConfig

from gguf_files import SMOLLM2, needs_smollm2
from gguf_models import K_QUANTS, QUANTIZABLE, SHAPE, VARIANTS, VOCAB, random_weights, train_bpe, write_gguf
from reference_models import randomize, relative_error
from tunepipe_env import BIN, needs_quickstart, run_tunepipe, write_quickstart_pipeline

SEQUENCES = [torch.randint(0, VOCAB, (n,), generator=torch.Generator().manual_seed(n)).tolist() for n in (11, 6)]
# fp32 logits of two loaders of one file: they differ only in summation order.
RELATIVE_TOLERANCE = 1e-4


def needs_tunepipe():
    if not BIN.is_file():
        pytest.skip(f"tunepipe executable not found at {BIN} (build it, or set TUNEPIPE_BIN)")


@pytest.fixture(scope="session")
def bpe() -> Tokenizer:
    return train_bpe()


@pytest.fixture(scope="session")
def gguf_files(tmp_path_factory, bpe):
    made = {}

    def make(variant: str, qtype: Q = Q.F32) -> Path:
        if (variant, qtype) not in made:
            arch, tied, bias, head_dim = VARIANTS[variant]
            weights = random_weights(arch, tied=tied, bias=bias, head_dim=head_dim, seed=len(made) + 1)
            folder = tmp_path_factory.mktemp(f"{variant}-{qtype.name}")
            made[variant, qtype] = write_gguf(folder / "model.gguf", arch, weights, qtype, bpe, head_dim=head_dim)
        return made[variant, qtype]

    return make


def transformers_model(path: Path):
    return AutoModelForCausalLM.from_pretrained(path.parent, gguf_file=path.name, dtype=torch.float32,
                                                attn_implementation="eager").eval()


def our_logits(path: Path, tmp_path: Path, sequences, *extra) -> torch.Tensor:
    needs_tunepipe()
    out = tmp_path / "logits.safetensors"
    result = run_tunepipe("forward", "--model", path, "--out", out, "--dtype", "fp32", *extra,
                          input="".join(" ".join(map(str, s)) + "\n" for s in sequences))
    assert result.returncode == 0, result.stderr
    return load_file(out)["logits"]


def check_against(model, path: Path, tmp_path: Path, what: str) -> None:
    for index, sequence in enumerate(SEQUENCES):
        ours = our_logits(path, tmp_path, [sequence])[0]
        with torch.no_grad():
            reference = model(torch.tensor([sequence])).logits[0]
        error = relative_error(ours, reference)
        print(f"{what} sequence {index}: max relative error {error:.2e}")
        assert error <= RELATIVE_TOLERANCE, f"{what}, sequence {index}: relative error {error:.2e}"


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_logits_equal_transformers_gguf_loading(variant, gguf_files, tmp_path):
    path = gguf_files(variant)
    check_against(transformers_model(path), path, tmp_path, variant)


@pytest.mark.parametrize("qtype", QUANTIZABLE[1:] + K_QUANTS, ids=lambda q: q.name)
def test_every_quantization_dequantizes_as_transformers(qtype, gguf_files, tmp_path):
    path = gguf_files("llama", qtype)
    check_against(transformers_model(path), path, tmp_path, f"llama {qtype.name}")


def test_a_converted_transformers_model_keeps_its_logits(bpe, tmp_path):
    """The file is what llama.cpp's converter makes of a transformers model (q/k rows permuted): our logits
    from it equal the original model's, so the permutation is undone, not merely undone as transformers does."""
    config = LlamaConfig(vocab_size=VOCAB, hidden_size=SHAPE["hidden"], intermediate_size=SHAPE["intermediate"],
                         num_hidden_layers=SHAPE["layers"], num_attention_heads=SHAPE["heads"],
                         num_key_value_heads=SHAPE["kv_heads"], max_position_embeddings=256, rms_norm_eps=1e-6)
    torch.manual_seed(0)
    model = AutoModelForCausalLM.from_config(config, attn_implementation="eager")
    randomize(model, seed=3)
    weights = {name: tensor.detach().numpy() for name, tensor in model.state_dict().items()}
    path = write_gguf(tmp_path / "converted.gguf", "llama", weights, Q.F32, bpe)
    check_against(model.eval(), path, tmp_path, "converted llama")


def greedy_ids(model, prompt: list[int], count: int) -> list[int]:
    with torch.no_grad():
        return model.generate(torch.tensor([prompt]), max_new_tokens=count, do_sample=False, eos_token_id=None,
                              pad_token_id=0)[0, len(prompt):].tolist()


def our_greedy_ids(path: Path, count: int, *prompt_args) -> list[int]:
    result = run_tunepipe("generate", "--model", path, "--dtype", "fp32", *prompt_args, "--max-new-tokens", count,
                          "--ignore-eos", "--print-ids")
    assert result.returncode == 0, result.stderr
    return [int(t) for t in result.stdout.split()]


def test_generation_equals_transformers_greedy(gguf_files, tmp_path):
    needs_tunepipe()
    path = gguf_files("qwen2")
    prompt = SEQUENCES[0]
    assert our_greedy_ids(path, 12, "--prompt-ids", " ".join(map(str, prompt))) == greedy_ids(
        transformers_model(path), prompt, 12)


def test_the_files_chat_template_and_tokenizer_make_the_prompt(bpe, tmp_path):
    """A GGUF with tokenizer.chat_template: generate --prompt wraps the text in it (the jinja template, no
    --template needed) and tokenizes it as transformers' GGUF tokenizer does; the greedy answer then equals
    transformers' from the same rendered ids."""
    needs_tunepipe()
    template = ("{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
                "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}")
    arch, tied, bias, head_dim = VARIANTS["qwen2"]
    weights = random_weights(arch, tied=tied, bias=bias, head_dim=head_dim, seed=5)
    path = write_gguf(tmp_path / "chat.gguf", arch, weights, Q.F32, bpe, chat_template=template)
    tokenizer = AutoTokenizer.from_pretrained(path.parent, gguf_file=path.name)
    prompt = tokenizer.apply_chat_template([{"role": "user", "content": "tiny files"}], add_generation_prompt=True,
                                           tokenize=True, return_dict=False)
    assert our_greedy_ids(path, 6, "--prompt", "tiny files") == greedy_ids(transformers_model(path), prompt, 6)


def test_an_unsupported_architecture_is_an_error_naming_the_key(tmp_path):
    needs_tunepipe()
    writer = gguf.GGUFWriter(str(tmp_path / "mamba.gguf"), "mamba")
    writer.add_tensor("token_embd.weight", np.zeros((4, 8), dtype=np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    result = run_tunepipe("forward", "--model", tmp_path / "mamba.gguf", "--out", tmp_path / "x.safetensors",
                          input="1 2\n")
    assert result.returncode != 0
    assert "mamba.gguf" in result.stderr and "general.architecture" in result.stderr
    assert "llama, qwen2, qwen3" in result.stderr


def test_rope_factors_are_read_as_llama_3_1_scaling_or_refused(bpe, tmp_path):
    """rope_freqs.weight of ones is no scaling; factors no Llama 3.1 scaling gives are refused, naming the tensor.
    (Factors that it gives are read back in test_gguf_export_from_folder.py and judged by llama.cpp.)"""
    needs_tunepipe()
    arch, tied, bias, head_dim = VARIANTS["llama"]
    weights = random_weights(arch, tied=tied, bias=bias, head_dim=head_dim, seed=9)
    pairs = SHAPE["hidden"] // SHAPE["heads"] // 2
    plain = write_gguf(tmp_path / "plain.gguf", arch, weights, Q.F32, bpe)
    ones = write_gguf(tmp_path / "ones.gguf", arch, weights, Q.F32, bpe,
                      extra={"rope_freqs.weight": np.ones(pairs, dtype=np.float32)})
    sequence = [[5, 17, 60, 2, 9]]
    assert torch.equal(our_logits(ones, tmp_path, sequence)[0], our_logits(plain, tmp_path, sequence)[0])
    jagged = np.where(np.arange(pairs) % 2 == 0, 1.0, 4.0).astype(np.float32)
    bad = write_gguf(tmp_path / "bad.gguf", arch, weights, Q.F32, bpe, extra={"rope_freqs.weight": jagged})
    result = run_tunepipe("forward", "--model", bad, "--out", tmp_path / "x.safetensors", input="1 2\n")
    assert result.returncode != 0
    assert "bad.gguf" in result.stderr and "rope_freqs.weight" in result.stderr and "Llama 3.1" in result.stderr


def test_a_missing_tensor_is_named_in_both_spellings(gguf_files, bpe, tmp_path):
    needs_tunepipe()
    arch, tied, bias, head_dim = VARIANTS["llama"]
    weights = random_weights(arch, tied=tied, bias=bias, head_dim=head_dim, seed=9)
    del weights["model.layers.1.mlp.up_proj.weight"]
    path = write_gguf(tmp_path / "incomplete.gguf", arch, weights, Q.F32, bpe)
    result = run_tunepipe("forward", "--model", path, "--out", tmp_path / "x.safetensors", input="1 2\n")
    assert result.returncode != 0
    assert "blk.1.ffn_up.weight (model.layers.1.mlp.up_proj.weight)" in result.stderr, result.stderr


@needs_smollm2
def test_smollm2_logits_equal_transformers(tmp_path):
    path = SMOLLM2
    model = transformers_model(path)
    sequence = [1, 9690, 198, 2683, 359, 253, 5356, 5646, 28, 2]
    ours = our_logits(path, tmp_path, [sequence])[0]
    with torch.no_grad():
        reference = model(torch.tensor([sequence])).logits[0]
    error = relative_error(ours, reference)
    print(f"SmolLM2-135M-Instruct Q4_1: max relative error {error:.2e}")
    assert error <= RELATIVE_TOLERANCE


@needs_quickstart
def test_a_lora_trained_on_a_gguf_base_loads_in_peft_with_equal_logits(gguf_files, tmp_path):
    """The quickstart pipeline with [model] plugin = "gguf": the adapter names the file as its base, and peft
    puts it on transformers' GGUF-loaded model with the logits of `tunepipe forward --adapter`."""
    needs_tunepipe()
    peft = pytest.importorskip("peft")
    path = gguf_files("llama", Q.Q8_0)
    pipeline = write_quickstart_pipeline(tmp_path, "gguf-base", [{"plugin": "console"}],
                                         trainer={"max_steps": 3, "logging_steps": 1},
                                         evaluator={"limit": 2},
                                         model={"plugin": "gguf", "path": str(path), "dtype": "fp32"})
    result = run_tunepipe("run", pipeline)
    assert result.returncode == 0, result.stderr
    adapter = tmp_path / "run" / "adapter"
    assert json.loads((adapter / "adapter_config.json").read_text())["base_model_name_or_path"] == str(path)

    reference = peft.PeftModel.from_pretrained(transformers_model(path), adapter).eval()
    for index, sequence in enumerate(SEQUENCES):
        ours = our_logits(path, tmp_path, [sequence], "--adapter", adapter)[0]
        with torch.no_grad():
            expected = reference(torch.tensor([sequence])).logits[0]
        error = relative_error(ours, expected)
        print(f"LoRA on a GGUF base, sequence {index}: max relative error {error:.2e}")
        assert error <= RELATIVE_TOLERANCE
