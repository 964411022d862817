"""Our GGUF exports in their real consumer, llama.cpp (through llama-cpp-python, which setup builds from PyPI's
source distribution; scripts/requirements-llama-cpp.txt). Skipped where it is not installed.

llama.cpp runs with an fp32 KV cache, so the difference to our fp32 logits is only the kernels' summation order.
"""
from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import numpy as np
import pytest
import torch
from gguf import GGMLQuantizationType as Q
from safetensors.torch import load_file

import corpus
import hf_folders
from gguf_files import SMOLLM2, needs_smollm2
from gguf_models import VARIANTS, VOCAB, random_weights, train_bpe, train_lora_on, write_gguf
from reference_models import relative_error
from tunepipe_env import BIN, needs_quickstart, run_tunepipe

try:
    import llama_cpp
except ImportError:  # collected and skipped test by test: a module skip would collect nothing, which ctest fails
    llama_cpp = None

pytestmark = [pytest.mark.skipif(llama_cpp is None, reason="llama-cpp-python is not installed"),
              pytest.mark.skipif(not BIN.is_file(), reason=f"tunepipe executable not found at {BIN}")]

GGML_TYPE_F32 = 0
# llama.cpp's CPU kernels against ours, both fp32: they differ only in summation order.
LOGITS_TOLERANCE = 1e-4


def llama(path: Path):
    return llama_cpp.Llama(model_path=str(path), n_ctx=512, logits_all=True, verbose=False, n_threads=2,
                           type_k=GGML_TYPE_F32, type_v=GGML_TYPE_F32)


def llama_logits(model, ids: list[int]) -> torch.Tensor:
    model.reset()
    model.eval(ids)
    return torch.from_numpy(np.array(model.scores[:len(ids)], dtype=np.float32))


def our_logits(path: Path, ids: list[int], tmp_path: Path, *extra) -> torch.Tensor:
    out = tmp_path / "logits.safetensors"
    result = run_tunepipe("forward", "--model", path, "--out", out, "--dtype", "fp32", *extra,
                          input=" ".join(map(str, ids)) + "\n")
    assert result.returncode == 0, result.stderr
    return load_file(out)["logits"][0]


def export(base: Path, out: Path, *extra) -> Path:
    result = run_tunepipe("export", "--model", base, "--format", "gguf", "--out", out, *extra)
    assert result.returncode == 0, result.stderr
    return out


@needs_quickstart
def test_llama_cpp_computes_the_merged_export_as_we_compute_base_and_adapter(tmp_path):
    arch, tied, bias, head_dim = VARIANTS["llama"]
    base = write_gguf(tmp_path / "base.gguf", arch, random_weights(arch, tied=tied, bias=bias, head_dim=head_dim,
                                                                   seed=21), Q.Q8_0, train_bpe())
    adapter = train_lora_on(base, tmp_path)
    exported = export(base, tmp_path / "merged.gguf", "--adapter", adapter, "--type", "f32")
    model = llama(exported)
    for seed in range(3):
        ids = torch.randint(0, VOCAB, (40,), generator=torch.Generator().manual_seed(seed)).tolist()
        error = relative_error(llama_logits(model, ids), our_logits(base, ids, tmp_path, "--adapter", adapter))
        print(f"llama.cpp on the f32 export vs tunepipe base + adapter, sequence {seed}: max relative error {error:.2e}")
        assert error <= LOGITS_TOLERANCE


@needs_quickstart
def test_llama_cpp_applies_our_lora_gguf_as_we_apply_the_adapter(tmp_path):
    """The adapter alone (--format gguf-lora) on the base, as llama-cli --lora and Ollama's ADAPTER load it. The
    base is given to llama.cpp in f32 (its Q8_0 values, exported): on Q8_0 weights llama.cpp also rounds the
    activations to 8 bits, which would hide the adapter's part in that rounding."""
    arch, tied, bias, head_dim = VARIANTS["llama"]
    base = write_gguf(tmp_path / "base.gguf", arch, random_weights(arch, tied=tied, bias=bias, head_dim=head_dim,
                                                                   seed=23), Q.Q8_0, train_bpe())
    adapter = train_lora_on(base, tmp_path)
    lora = tmp_path / "adapter.gguf"
    result = run_tunepipe("export", "--model", base, "--adapter", adapter, "--format", "gguf-lora", "--out", lora,
                          "--type", "f32")
    assert result.returncode == 0, result.stderr
    model = llama_cpp.Llama(model_path=str(export(base, tmp_path / "base-f32.gguf", "--type", "f32")),
                            lora_path=str(lora), n_ctx=512, logits_all=True, verbose=False,
                            n_threads=2, type_k=GGML_TYPE_F32, type_v=GGML_TYPE_F32)
    for seed in range(3):
        ids = torch.randint(0, VOCAB, (40,), generator=torch.Generator().manual_seed(seed)).tolist()
        ours = our_logits(base, ids, tmp_path, "--adapter", adapter)
        error = relative_error(llama_logits(model, ids), ours)
        print(f"llama.cpp with the LoRA GGUF vs tunepipe base + adapter, sequence {seed}: max relative error "
              f"{error:.2e}")
        assert error <= LOGITS_TOLERANCE
        assert relative_error(our_logits(base, ids, tmp_path), ours) > 100 * LOGITS_TOLERANCE  # the adapter matters


def lora_on_smollm2(folder: Path) -> Path:
    """A LoRA adapter peft writes for SmolLM2 (loaded by transformers from the GGUF file), B random and scaled
    down so that the model still answers in words."""
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM
    torch.manual_seed(0)
    model = AutoModelForCausalLM.from_pretrained(SMOLLM2.parent, gguf_file=SMOLLM2.name, dtype=torch.float32)
    config = LoraConfig(r=8, lora_alpha=2, init_lora_weights=False, target_modules=["q_proj", "k_proj", "v_proj",
                                                                                 "o_proj", "up_proj", "down_proj"])
    get_peft_model(model, config).save_pretrained(folder / "adapter")
    return folder / "adapter"


def llama_cpp_greedy(model, ids: list[int], count: int) -> list[int]:
    tokens = []
    for token in model.generate(ids, top_k=1, top_p=1.0, temp=0.0, repeat_penalty=1.0):
        if token == model.token_eos() or len(tokens) == count:
            break
        tokens.append(token)
    return tokens


def our_greedy(ids: list[int], count: int, *model_args) -> list[int]:
    result = run_tunepipe("generate", *model_args, "--dtype", "fp32", "--prompt-ids", " ".join(map(str, ids)),
                          "--max-new-tokens", str(count), "--print-ids")
    assert result.returncode == 0, result.stderr
    return [int(t) for t in result.stdout.split()]


@needs_smollm2
def test_smollm2_fine_tune_answers_in_llama_cpp_as_in_tunepipe(tmp_path):
    """The real model with an adapter, exported: llama.cpp tokenizes a ChatML prompt as we do; its greedy 32 tokens
    from the f32 export equal ours from base + adapter, and from the f16 export ours from that file; on the q8_0
    export its next token agrees with ours (f32, base + adapter) at >= 95% of 200 positions."""
    adapter = lora_on_smollm2(tmp_path)
    prompt = "<|im_start|>user\nName three colours of the rainbow.<|im_end|>\n<|im_start|>assistant\n"
    for kind, ours_from in (("f32", ["--model", SMOLLM2, "--adapter", adapter]), ("f16", None)):
        exported = export(SMOLLM2, tmp_path / f"smollm2-{kind}.gguf", "--adapter", adapter, "--type", kind)
        model = llama(exported)
        ids = model.tokenize(prompt.encode(), add_bos=False, special=True)
        ours = run_tunepipe("tokenize", "--model", exported, "--text", prompt)
        assert [int(t) for t in ours.stdout.split()] == ids
        expected = llama_cpp_greedy(model, ids, 32)
        answer = our_greedy(ids, 32, *(ours_from or ["--model", exported]))
        print(f"{kind}: llama.cpp {expected}\n{kind}: tunepipe  {answer}")
        assert len(expected) >= 8 and answer[:len(expected)] == expected
        if kind == "f32":
            assert our_greedy(ids, 32, "--model", SMOLLM2) != answer, "the adapter changed nothing"

    text = ("The rainbow has seven colours: red, orange, yellow, green, blue, indigo and violet. " * 12).encode()
    ids = llama(SMOLLM2).tokenize(text, add_bos=False)[:200]
    model = llama(export(SMOLLM2, tmp_path / "smollm2-q8_0.gguf", "--adapter", adapter, "--type", "q8_0"))
    theirs = llama_logits(model, ids).argmax(-1)
    ours = our_logits(SMOLLM2, ids, tmp_path, "--adapter", adapter).argmax(-1)
    agreement = (theirs == ours).float().mean().item()
    print(f"q8_0 in llama.cpp vs tunepipe f32 base + adapter: next token agrees at {agreement:.1%} of {len(ids)}")
    assert len(ids) == 200 and agreement >= 0.95


@pytest.mark.skipif(not hf_folders.TOKENIZERS.is_dir(), reason="shared test assets not found")
def test_llama_cpp_scales_rope_as_llama_3_1_from_the_factors_we_write(tmp_path):
    folder, adapter, _ = hf_folders.folder_with_adapter("llama", tmp_path, rope_scaling=hf_folders.LLAMA3_SCALING)
    exported = export(folder, tmp_path / "merged.gguf", "--adapter", adapter, "--type", "f32")
    ids = torch.randint(0, 30000, (60,), generator=torch.Generator().manual_seed(2)).tolist()
    ours = our_logits(folder, ids, tmp_path, "--adapter", adapter)
    error = relative_error(llama_logits(llama(exported), ids), ours)
    print(f"llama3 RoPE scaling: llama.cpp on the export vs tunepipe folder + adapter: max relative error {error:.2e}")
    assert error <= LOGITS_TOLERANCE
    assert relative_error(our_logits(exported, ids, tmp_path), ours) <= LOGITS_TOLERANCE  # and our reading of it


@pytest.mark.skipif(not hf_folders.TOKENIZERS.is_dir(), reason="shared test assets not found")
@pytest.mark.parametrize("name", list(hf_folders.VARIANTS))
def test_llama_cpp_runs_the_export_of_a_folder_and_tokenizes_as_the_folder(name, tmp_path):
    """An HF checkpoint folder with its adapter, exported: llama.cpp's logits are ours for folder + adapter, and it
    tokenizes text into the folder's own ids, and a ChatML prompt too where the vocabulary has its tokens. Text is
    left out where llama.cpp departs from the folder's tokenizer for every GGUF of such a model: text NFC changes (a
    GGUF vocabulary has no normalizer) and special tokens written in text (llama.cpp puts SentencePiece's space
    prefix after each, and matches "</s>" as a control token even where the vocabulary, as Qwen's, lists it as text)."""
    folder, adapter, _ = hf_folders.folder_with_adapter(name, tmp_path)
    model = llama(export(folder, tmp_path / "merged.gguf", "--adapter", adapter, "--type", "f32"))
    ids = torch.randint(0, 30000, (40,), generator=torch.Generator().manual_seed(9)).tolist()
    error = relative_error(llama_logits(model, ids), our_logits(folder, ids, tmp_path, "--adapter", adapter))
    print(f"{name}: llama.cpp on the folder's f32 export vs tunepipe folder + adapter: max relative error {error:.2e}")
    assert error <= LOGITS_TOLERANCE

    strings = [s for s in corpus.generate()[:400]
               if s and unicodedata.normalize("NFC", s) == s and not any(t in s for t in corpus.SPECIAL_TOKENS)]
    if hf_folders.VARIANTS[name][4] == "gpt2":
        strings.append("<|im_start|>user\nName three colours.<|im_end|>\n<|im_start|>assistant\n")
    lines = run_tunepipe("tokenize", "--model", folder, input="".join(json.dumps(s) + "\n" for s in strings))
    assert lines.returncode == 0, lines.stderr
    mismatches = [text for text, line in zip(strings, lines.stdout.splitlines())
                  if model.tokenize(text.encode(), add_bos=False, special=True) != [int(t) for t in line.split()]]
    print(f"{name}: llama.cpp tokenizes {len(mismatches)} of {len(strings)} strings otherwise")
    assert not mismatches, f"first: {mismatches[0]!r}"
