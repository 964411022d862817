"""`tunepipe export --model DIR --format gguf`: an HF checkpoint folder with its LoRA adapter merged, written as
the GGUF file llama.cpp's converter would write for the merged folder.

On tiny models with real tokenizers (hf_folders.py). The judges:
transformers' GGUF loading (the merged model's logits, the tokenizer's ids on the corpus) against peft's merge and
the folder's own tokenizer; the gguf package's vocabulary readers (gguf.vocab, which llama.cpp's conversion scripts
use) for tokens, scores, merges, special ids and chat template; its reader for the rest of the metadata.
"""
from __future__ import annotations

import json
import shutil
import unicodedata
from pathlib import Path

import gguf
import pytest
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer, LlamaConfig, MistralConfig

import corpus
from gguf_models import export_gguf
from hf_folders import LLAMA3_SCALING, SHAPE, TOKENIZERS, VARIANTS, folder_with_adapter
from reference_models import relative_error
from safetensors.torch import load_file
from tunepipe_env import BIN, REPO, run_tunepipe

RELATIVE_TOLERANCE = 1e-4
TINY_BPE = REPO / "tests" / "data" / "tokenizers" / "tiny-bpe"

pytestmark = [
    pytest.mark.skipif(not BIN.is_file(), reason=f"tunepipe executable not found at {BIN}"),
    pytest.mark.skipif(not TOKENIZERS.is_dir(), reason=f"shared test assets not found at {TOKENIZERS}"),
]


@pytest.fixture(scope="module", params=list(VARIANTS))
def trained(request, tmp_path_factory):
    """(name, checkpoint folder, adapter folder, peft's merged model)."""
    name = request.param
    return (name, *folder_with_adapter(name, tmp_path_factory.mktemp(name)))


export = export_gguf


def exported_metadata(folder: Path | str, tmp_path: Path, kind: str):
    """The gguf package's reader of the folder's export, and a function from a key to its value."""
    reader = gguf.GGUFReader(export(folder, None, tmp_path / "base.gguf", "--type", kind))
    return reader, lambda key: reader.fields[key].contents()


def test_transformers_reads_the_merged_model_from_the_export(trained, tmp_path):
    name, folder, adapter, merged = trained
    exported = export(folder, adapter, tmp_path / "merged.gguf", "--type", "f32")
    loaded = AutoModelForCausalLM.from_pretrained(tmp_path, gguf_file=exported.name, dtype=torch.float32).eval()
    unmerged = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32).eval()
    sequence = torch.randint(0, 30000, (1, 24), generator=torch.Generator().manual_seed(3))
    with torch.no_grad():
        reference, ours, base = merged(sequence).logits, loaded(sequence).logits, unmerged(sequence).logits
    error = relative_error(ours, reference)
    print(f"{name}: f32 export vs peft's merge, max relative error {error:.2e}")
    assert error <= RELATIVE_TOLERANCE
    assert relative_error(base, reference) > 100 * RELATIVE_TOLERANCE, "the adapter changed nothing"


@pytest.mark.parametrize("trained", ["qwen2", "qwen3"], indirect=True)
def test_the_export_tokenizes_as_the_folder_does(trained, tmp_path):
    """transformers' tokenizer built from the export's tokenizer.ggml.* gives the folder's own ids, except on text
    NFC would change: a GGUF vocabulary has no normalizer (neither llama.cpp nor transformers' GGUF tokenizer
    applies Qwen's NFC), so such text tokenizes otherwise from every GGUF of these models."""
    name, folder, _, _ = trained
    exported = export(folder, None, tmp_path / "base.gguf", "--type", "q8_0")
    from_gguf = AutoTokenizer.from_pretrained(tmp_path, gguf_file=exported.name)
    own = AutoTokenizer.from_pretrained(folder)
    strings = corpus.generate()[:600]
    mismatches = [s for s in strings
                  if from_gguf.encode(s, add_special_tokens=False) != own.encode(s, add_special_tokens=False)]
    normalized = [s for s in strings if unicodedata.normalize("NFC", s) != s]
    print(f"{name}: {len(mismatches)} of {len(strings)} strings tokenized otherwise, {len(normalized)} not NFC")
    assert set(mismatches) <= set(normalized), f"first: {next(s for s in mismatches if s not in normalized)!r}"
    assert from_gguf.encode("Hello world") == own.encode("Hello world")  # BOS added or not, as the folder says


def test_the_vocabulary_is_the_one_the_gguf_package_reads_from_the_folder(trained, tmp_path):
    name, folder, _, _ = trained
    _, overrides, _, _, model, _ = VARIANTS[name]
    reader, value = exported_metadata(folder, tmp_path, "f16")
    tokens, types = value("tokenizer.ggml.tokens"), value("tokenizer.ggml.token_type")
    vocabulary = gguf.vocab.SentencePieceVocab(folder) if model == "llama" else gguf.vocab.BpeVocab(folder)
    entries = list(vocabulary.all_tokens())
    assert tokens[:len(entries)] == [text if isinstance(text, str) else text.decode("utf-8") for text, _, _ in entries]
    if model == "llama":
        assert value("tokenizer.ggml.scores")[:len(entries)] == pytest.approx([score for _, score, _ in entries])
        assert types[:len(entries)] == [int(token_type) for _, _, token_type in entries]
    else:
        assert types[:vocabulary.vocab_size_base] == [1] * vocabulary.vocab_size_base
        # Added tokens the folder does not call special: control where shaped as one (as the converter marks them).
        own = AutoTokenizer.from_pretrained(folder)
        assert [types[own.convert_tokens_to_ids(t)] for t in ("<|fim_prefix|>", "<tool_call>")] == [3, 4]
    padding = [(i, t) for i, t in enumerate(tokens) if i >= len(entries) and t.startswith("[")]
    assert all(t == f"[PAD{i}]" and types[i] == 5 for i, t in padding)
    assert len(tokens) == overrides["vocab_size"]

    special = gguf.SpecialVocab(folder, load_merges=True, n_vocab=len(tokens))
    if model == "gpt2":
        assert value("tokenizer.ggml.merges") == special.merges
    for kind, token_id in special.special_token_ids.items():
        key = {"unk": "unknown", "pad": "padding"}.get(kind, kind)
        if kind != "pad" or f"tokenizer.ggml.{key}_token_id" in reader.fields:
            assert value(f"tokenizer.ggml.{key}_token_id") == token_id, kind
    for kind, added in special.add_special_token.items():
        assert value(f"tokenizer.ggml.add_{kind}_token") == added, kind
    if special.chat_template:
        assert value("tokenizer.chat_template") == special.chat_template


def test_the_metadata_names_the_architecture_and_its_shape(trained, tmp_path):
    name, folder, _, _ = trained
    _, overrides, _, _, model, pre = VARIANTS[name]
    reader, value = exported_metadata(f"{folder}/", tmp_path, "q4_0")  # as a shell completes it
    arch = value("general.architecture")
    assert arch == name and value("general.file_type") == 2  # LLAMA_FTYPE_MOSTLY_Q4_0
    assert value("general.name") == folder.name
    assert value("tokenizer.ggml.model") == model and value("tokenizer.ggml.pre") == pre
    config = AutoModelForCausalLM.from_pretrained(folder).config
    assert value(f"{arch}.block_count") == config.num_hidden_layers
    assert value(f"{arch}.attention.head_count_kv") == config.num_key_value_heads
    assert value(f"{arch}.rope.freq_base") == pytest.approx(config.rope_parameters["rope_theta"])
    assert value(f"{arch}.attention.layer_norm_rms_epsilon") == pytest.approx(config.rms_norm_eps)
    head_dim = getattr(config, "head_dim", None) or config.hidden_size // config.num_attention_heads
    assert value(f"{arch}.rope.dimension_count") == head_dim
    assert (f"{arch}.attention.key_length" in reader.fields) == (head_dim * config.num_attention_heads
                                                                 != config.hidden_size)
    names = {t.name for t in reader.tensors}
    assert ("output.weight" in names) == (not overrides["tie_word_embeddings"])
    assert "blk.1.ffn_down.weight" in names


def test_what_cannot_be_exported_is_named(tmp_path):
    folder = tmp_path / "mistral"
    model = AutoModelForCausalLM.from_config(MistralConfig(**SHAPE, vocab_size=32000), dtype=torch.float32)
    model.save_pretrained(folder)
    shutil.copy(TOKENIZERS / "llama2-spm" / "tokenizer.model", folder / "tokenizer.model")
    result = run_tunepipe("export", "--model", folder, "--format", "gguf", "--out", tmp_path / "m.gguf")
    assert result.returncode != 0
    assert "config.json" in result.stderr and "MistralForCausalLM" in result.stderr
    assert "LlamaForCausalLM" in result.stderr, result.stderr
    assert not (tmp_path / "m.gguf").exists() and not (tmp_path / "m.Modelfile").exists()


def test_a_lora_gguf_of_a_folder_base_says_to_export_the_base_first(tmp_path):
    """llama.cpp applies a LoRA GGUF to a GGUF base: the folder's base is exported first."""
    folder, adapter, _ = folder_with_adapter("llama", tmp_path)
    result = run_tunepipe("export", "--model", folder, "--adapter", adapter, "--format", "gguf-lora", "--out",
                          tmp_path / "lora.gguf")
    assert result.returncode != 0 and "export the base first" in result.stderr, result.stderr
    assert not (tmp_path / "lora.gguf").exists()


def tiny_llama_folder(folder: Path, tokenizer: dict, **config) -> Path:
    """A Llama model with the project's tiny byte-level BPE tokenizer, its pre_tokenizer replaced."""
    model = AutoModelForCausalLM.from_config(LlamaConfig(**SHAPE, vocab_size=320, **config), dtype=torch.float32)
    model.save_pretrained(folder)
    (folder / "tokenizer.json").write_text(json.dumps(tokenizer), encoding="utf-8")
    shutil.copy(TINY_BPE / "tokenizer_config.json", folder / "tokenizer_config.json")
    return folder


@pytest.mark.parametrize("change, named", [
    (dict(pre_tokenizer={"type": "ByteLevel", "add_prefix_space": True, "use_regex": True}), "pre_tokenizer"),
    (dict(normalizer={"type": "Lowercase"}), "normalizer"),
    (dict(rope_scaling={"rope_type": "dynamic", "factor": 2.0}), "\"dynamic\""),
], ids=["split", "normalizer", "rope-scaling"])
def test_what_the_export_cannot_write_is_named_with_its_file(tmp_path, change, named):
    tokenizer = json.loads((TINY_BPE / "tokenizer.json").read_text(encoding="utf-8"))
    config = {}
    for key, value in change.items():
        if key == "rope_scaling":
            config[key] = value
        else:
            tokenizer[key] = value
    folder = tiny_llama_folder(tmp_path / "model", tokenizer, **config)
    result = run_tunepipe("export", "--model", folder, "--format", "gguf", "--out", tmp_path / "m.gguf")
    assert result.returncode != 0
    file = "config.json" if "rope_scaling" in change else "tokenizer.json"
    assert str(folder / file) in result.stderr and named in result.stderr, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]


def test_llama3_rope_scaling_is_written_as_rope_freqs_and_read_back(tmp_path):
    """Llama 3.1's scaling goes into the file as llama.cpp's converter writes it, one factor per rotary frequency
    (transformers' own factors), and the gguf model stage reads it back: the export's logits in tunepipe equal
    peft's merge on the folder. transformers' GGUF loading ignores rope_freqs.weight, so it is no judge here;
    llama.cpp is (test_llama_cpp_interop.py)."""
    from transformers.modeling_rope_utils import ROPE_INIT_FUNCTIONS
    folder, adapter, merged = folder_with_adapter("llama", tmp_path, rope_scaling=LLAMA3_SCALING)
    exported = export(folder, adapter, tmp_path / "merged.gguf", "--type", "f32")
    reader = gguf.GGUFReader(exported)
    factors = next(t for t in reader.tensors if t.name == "rope_freqs.weight").data
    scaled, _ = ROPE_INIT_FUNCTIONS["llama3"](merged.config, "cpu")
    unscaled = 1.0 / merged.config.rope_parameters["rope_theta"] ** (torch.arange(0, 16, 2).float() / 16)
    expected = unscaled / scaled
    assert torch.allclose(torch.tensor(factors), expected, rtol=1e-6) and expected.min() == 1 and expected.max() == 8

    sequence = torch.randint(0, 30000, (1, 48), generator=torch.Generator().manual_seed(4))
    out = tmp_path / "logits.safetensors"
    result = run_tunepipe("forward", "--model", exported, "--out", out, "--dtype", "fp32",
                          input=" ".join(map(str, sequence[0].tolist())) + "\n")
    assert result.returncode == 0, result.stderr
    ours = load_file(out)["logits"]
    with torch.no_grad():
        reference = merged(sequence).logits
        merged.config.rope_parameters = {"rope_type": "default", "rope_theta": 500000.0}
        unscaled_logits = type(merged)(merged.config).eval()
        unscaled_logits.load_state_dict(merged.state_dict())
        without_scaling = unscaled_logits(sequence).logits
    error = relative_error(ours, reference)
    print(f"llama3-scaled export read back: max relative error {error:.2e}")
    assert error <= RELATIVE_TOLERANCE
    assert relative_error(without_scaling, reference) > 100 * RELATIVE_TOLERANCE, "the scaling changed nothing"
