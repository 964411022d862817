"""The `gguf` model plugin (a GGUF file as a model) against transformers' own GGUF loading.

Tiny GGUF files are written here with the gguf package, as llama.cpp's converter lays them out (llama.cpp's
tensor names, q/k rows permuted for the llama architecture, norms in F32, the projections in the quantization
under test). The judge is `AutoModelForCausalLM.from_pretrained(dir, gguf_file=...)`, which dequantizes with
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
from gguf import GGML_QUANT_SIZES, GGMLQuantizationType as Q
from safetensors.torch import load_file
from tokenizers import Tokenizer, models, pre_tokenizers, trainers
from transformers import AutoModelForCausalLM, AutoTokenizer, LlamaConfig

from gguf_files import F16_FIELDS, SMOLLM2, needs_smollm2, random_blocks
from reference_models import randomize, relative_error
from tunepipe_env import BIN, needs_quickstart, run_tunepipe, write_quickstart_pipeline

VOCAB = 320
# Rows of 256 values: every quantization's block fits (the K-quants' blocks hold 256).
SHAPE = dict(hidden=256, intermediate=512, layers=2, heads=4, kv_heads=2)
SEQUENCES = [torch.randint(0, VOCAB, (n,), generator=torch.Generator().manual_seed(n)).tolist() for n in (11, 6)]
# fp32 logits of two loaders of one file: they differ only in summation order.
RELATIVE_TOLERANCE = 1e-4
# The types gguf.quants.quantize writes; the K-quants get random blocks instead (it cannot write them).
QUANTIZABLE = [Q.F32, Q.F16, Q.BF16, Q.Q4_0, Q.Q4_1, Q.Q5_0, Q.Q5_1, Q.Q8_0]
K_QUANTS = [Q.Q2_K, Q.Q3_K, Q.Q4_K, Q.Q5_K, Q.Q6_K]


def needs_tunepipe():
    if not BIN.is_file():
        pytest.skip(f"tunepipe executable not found at {BIN} (build it, or set TUNEPIPE_BIN)")


@pytest.fixture(scope="session")
def bpe() -> Tokenizer:
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
               head_dim: int | None = None, chat_template: str | None = None) -> Path:
    """`weights` under HF names (llama.cpp's converter does the renaming and the permutation done here)."""
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
