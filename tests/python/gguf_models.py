"""Tiny GGUF models for the tests, written with the gguf package as llama.cpp's converter lays them out:
llama.cpp's tensor names, q/k rows permuted for the llama architecture, norms in F32, the matrices in the
quantization asked for, and a byte-level BPE tokenizer (tokenizer.ggml.model gpt2) with two control tokens."""
from __future__ import annotations

import json
from pathlib import Path

import gguf
import numpy as np
import torch
from gguf import GGML_QUANT_SIZES, GGMLQuantizationType as Q
from tokenizers import Tokenizer, models, pre_tokenizers, trainers

from gguf_files import F16_FIELDS, random_blocks

VOCAB = 320
# Rows of 256 values: every quantization's block fits (the K-quants' blocks hold 256).
SHAPE = dict(hidden=256, intermediate=512, layers=2, heads=4, kv_heads=2)
# The types gguf.quants.quantize writes; the K-quants get random blocks instead (it cannot write them).
QUANTIZABLE = [Q.F32, Q.F16, Q.BF16, Q.Q4_0, Q.Q4_1, Q.Q5_0, Q.Q5_1, Q.Q8_0]
K_QUANTS = [Q.Q2_K, Q.Q3_K, Q.Q4_K, Q.Q5_K, Q.Q6_K]


def train_bpe() -> Tokenizer:
    """A byte-level BPE of VOCAB - 2 tokens, trained on this file."""
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    trainer = trainers.BpeTrainer(vocab_size=VOCAB - 2, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                                  show_progress=False)
    tokenizer.train_from_iterator(Path(__file__).read_text().splitlines(), trainer)
    return tokenizer


def add_tokenizer(writer: gguf.GGUFWriter, bpe: Tokenizer, chat_template: str | None = None) -> None:
    """A byte-level BPE (tokenizer.ggml.model gpt2) with two control tokens at the end of the vocabulary."""
    vocab = bpe.get_vocab()
    tokens = sorted(vocab, key=vocab.get) + ["<|im_start|>", "<|im_end|>"]
    assert len(tokens) == VOCAB
    merges = [m if isinstance(m, str) else " ".join(m) for m in json.loads(bpe.to_str())["model"]["merges"]]
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre("gpt-2")
    writer.add_token_list(tokens)
    writer.add_token_types([gguf.TokenType.NORMAL] * (VOCAB - 2) + [gguf.TokenType.CONTROL] * 2)
    writer.add_token_merges(merges)
    writer.add_bos_token_id(VOCAB - 2)
    writer.add_eos_token_id(VOCAB - 1)
    writer.add_add_bos_token(False)
    if chat_template is not None:
        writer.add_chat_template(chat_template)


def permute(weights: np.ndarray, heads: int) -> np.ndarray:
    """convert_hf_to_gguf.py's reordering of q/k rows for the llama architecture."""
    return (weights.reshape(heads, 2, weights.shape[0] // heads // 2, *weights.shape[1:])
            .swapaxes(1, 2).reshape(weights.shape))


def weight_blocks(qtype: Q, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    """Random K-quant blocks whose float16 scales are small, so the weights are of an ordinary model's size
    (random_blocks also writes the float16 extremes, which a forward pass turns into infinities)."""
    blocks = random_blocks(qtype, shape, rng)
    flat = blocks.reshape(-1, GGML_QUANT_SIZES[qtype][1])
    for offset in F16_FIELDS[qtype]:
        scales = rng.uniform(0.001, 0.01, len(flat)).astype(np.float16)
        flat[:, offset:offset + 2] = scales.view(np.uint8).reshape(-1, 2)
    return blocks


def add_weight(writer: gguf.GGUFWriter, name: str, values: np.ndarray, qtype: Q, rng: np.random.Generator) -> None:
    if values.ndim == 1 or qtype == Q.F32:
        writer.add_tensor(name, values.astype(np.float32))
    elif qtype in K_QUANTS:
        writer.add_tensor(name, weight_blocks(qtype, values.shape, rng), raw_dtype=qtype)
    else:
        writer.add_tensor(name, gguf.quants.quantize(values.astype(np.float32), qtype), raw_dtype=qtype)


def write_gguf(path: Path, arch: str, weights: dict[str, np.ndarray], qtype: Q, bpe: Tokenizer, *,
               head_dim: int | None = None, chat_template: str | None = None,
               extra: dict[str, np.ndarray] | None = None) -> Path:
    """`weights` under HF names (llama.cpp's converter does the renaming and the permutation done here), `extra`
    tensors under llama.cpp's, as they are."""
    writer = gguf.GGUFWriter(str(path), arch)
    writer.add_name(f"tiny {arch}")
    writer.add_block_count(SHAPE["layers"])
    writer.add_context_length(256)
    writer.add_embedding_length(SHAPE["hidden"])
    writer.add_feed_forward_length(SHAPE["intermediate"])
    writer.add_head_count(SHAPE["heads"])
    writer.add_head_count_kv(SHAPE["kv_heads"])
    writer.add_layer_norm_rms_eps(1e-6)
    writer.add_rope_freq_base(10000.0)
    if head_dim is not None:
        writer.add_key_length(head_dim)
        writer.add_value_length(head_dim)
    elif arch == "llama":
        writer.add_rope_dimension_count(SHAPE["hidden"] // SHAPE["heads"])
    add_tokenizer(writer, bpe, chat_template)
    rng = np.random.default_rng(7)
    modules = {"input_layernorm": "attn_norm", "post_attention_layernorm": "ffn_norm",
               "self_attn.q_proj": "attn_q", "self_attn.k_proj": "attn_k", "self_attn.v_proj": "attn_v",
               "self_attn.o_proj": "attn_output", "self_attn.q_norm": "attn_q_norm",
               "self_attn.k_norm": "attn_k_norm", "mlp.gate_proj": "ffn_gate", "mlp.up_proj": "ffn_up",
               "mlp.down_proj": "ffn_down"}
    renamed = {"model.embed_tokens.weight": "token_embd.weight", "model.norm.weight": "output_norm.weight",
               "lm_head.weight": "output.weight"}
    for name, values in weights.items():
        if name in renamed:
            target = renamed[name]
        else:
            _, _, layer, rest = name.split(".", 3)
            module, kind = rest.rsplit(".", 1)
            target = f"blk.{layer}.{modules[module]}.{kind}"
        if arch == "llama" and ".attn_q." in target:
            values = permute(values, SHAPE["heads"])
        elif arch == "llama" and ".attn_k." in target:
            values = permute(values, SHAPE["kv_heads"])
        add_weight(writer, target, values, qtype, rng)
    for name, values in (extra or {}).items():
        writer.add_tensor(name, values.astype(np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


def random_weights(arch: str, *, tied: bool, bias: bool, head_dim: int | None, seed: int) -> dict[str, np.ndarray]:
    hidden, intermediate, heads, kv_heads = (SHAPE[k] for k in ("hidden", "intermediate", "heads", "kv_heads"))
    head_dim = head_dim or hidden // heads
    rng = np.random.default_rng(seed)

    def matrix(rows, columns, scale=1.0):
        return (rng.standard_normal((rows, columns)) / columns ** 0.5 * scale).astype(np.float32)

    def norm(size):
        return (1 + 0.2 * rng.standard_normal(size)).astype(np.float32)

    weights = {"model.embed_tokens.weight": matrix(VOCAB, hidden, 4.0)}
    for i in range(SHAPE["layers"]):
        p = f"model.layers.{i}."
        weights[p + "input_layernorm.weight"] = norm(hidden)
        weights[p + "post_attention_layernorm.weight"] = norm(hidden)
        for name, rows in (("q_proj", heads * head_dim), ("k_proj", kv_heads * head_dim), ("v_proj", kv_heads * head_dim)):
            weights[p + f"self_attn.{name}.weight"] = matrix(rows, hidden)
            if bias:
                weights[p + f"self_attn.{name}.bias"] = (0.2 * rng.standard_normal(rows)).astype(np.float32)
        weights[p + "self_attn.o_proj.weight"] = matrix(hidden, heads * head_dim)
        if arch == "qwen3":
            weights[p + "self_attn.q_norm.weight"] = norm(head_dim)
            weights[p + "self_attn.k_norm.weight"] = norm(head_dim)
        weights[p + "mlp.gate_proj.weight"] = matrix(intermediate, hidden)
        weights[p + "mlp.up_proj.weight"] = matrix(intermediate, hidden)
        weights[p + "mlp.down_proj.weight"] = matrix(hidden, intermediate)
    weights["model.norm.weight"] = norm(hidden)
    if not tied:
        weights["lm_head.weight"] = matrix(VOCAB, hidden)
    return weights


# name → (architecture, tied embeddings, q/k/v biases, head_dim written as attention.key_length)
VARIANTS = {
    "llama": ("llama", False, False, None),
    "llama-tied": ("llama", True, False, None),
    "qwen2": ("qwen2", False, True, None),
    "qwen2-tied": ("qwen2", True, True, None),
    "qwen3": ("qwen3", True, False, 128),
}


def train_lora_on(base: Path, folder: Path) -> Path:
    """The quickstart pipeline's LoRA, 3 steps at a high learning rate, on the GGUF file `base` in fp32 (the
    quickstart data: build/quickstart must exist); the adapter folder it writes under folder/run."""
    from tunepipe_env import run_tunepipe, write_quickstart_pipeline
    pipeline = write_quickstart_pipeline(folder, base.stem, [{"plugin": "console"}],
                                         trainer={"max_steps": 3, "logging_steps": 1, "learning_rate": 0.05},
                                         evaluator={"limit": 1},
                                         model={"plugin": "gguf", "path": str(base), "dtype": "fp32"})
    result = run_tunepipe("run", pipeline)
    assert result.returncode == 0, result.stderr
    return folder / "run" / "adapter"


def export_gguf(model: Path, adapter: Path | None, out: Path, *extra) -> Path:
    """`tunepipe export --format gguf` of a GGUF file or checkpoint folder, with the adapter merged when given."""
    from tunepipe_env import run_tunepipe
    args = ["export", "--model", model, "--format", "gguf", "--out", out, *extra]
    if adapter is not None:
        args += ["--adapter", adapter]
    result = run_tunepipe(*args)
    assert result.returncode == 0, result.stderr
    return out
