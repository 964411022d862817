"""Logits and loss of the `hf` model plugin against transformers.

Tiny random checkpoints (hidden 64, 2 layers, vocabulary 320) are written by
transformers itself, one per architecture variant; our side is
`tunepipe forward --model DIR --out FILE [--labels FILE] [--incremental] [--prefix FILE] [--embeds]`,
which reads one sequence of ids per stdin line (several lines: a left-padded
batch) and writes `logits` (and `loss`) as safetensors. The reference runs the
same folder in fp32 with the eager attention, one sequence at a time.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file, save_file
from tokenizers import Tokenizer, models, pre_tokenizers, trainers
from transformers import (AutoModelForCausalLM, DynamicCache, Ernie4_5Config, LlamaConfig, MistralConfig,
                          Qwen2Config, Qwen3Config)

from devices import DEVICES, GPU, on
from tunepipe_env import BIN, run_tunepipe
from reference_models import randomize, relative_error

VOCAB = 320
SHAPE = dict(vocab_size=VOCAB, hidden_size=64, intermediate_size=96, num_hidden_layers=2, num_attention_heads=4,
             num_key_value_heads=2, max_position_embeddings=256)
RELATIVE_TOLERANCE = 1e-4
# Three sequences of different lengths: as a batch they are left-padded.
SEQUENCES = [torch.randint(0, VOCAB, (n,), generator=torch.Generator().manual_seed(n)).tolist() for n in (13, 7, 10)]

# name → (config class, config overrides, save_pretrained arguments and the dtype saved)
VARIANTS = {
    "qwen2-bias": (Qwen2Config, {}, {}),
    "qwen2-tied-sharded": (Qwen2Config, {"tie_word_embeddings": True}, {"max_shard_size": "40KB"}),
    "llama": (LlamaConfig, {}, {}),
    "llama-tied-biases": (LlamaConfig, {"tie_word_embeddings": True, "attention_bias": True, "mlp_bias": True}, {}),
    "llama3-rope": (LlamaConfig, {"rope_parameters": {"rope_type": "llama3", "rope_theta": 500000.0, "factor": 8.0,
                                                      "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                                                      "original_max_position_embeddings": 8}}, {}),
    "llama-linear-rope-bf16": (LlamaConfig, {"rope_parameters": {"rope_type": "linear", "rope_theta": 10000.0,
                                                                 "factor": 2.0}}, {"dtype": torch.bfloat16}),
    "ernie4_5": (Ernie4_5Config, {"head_dim": 24, "use_bias": True}, {}),
    "qwen3": (Qwen3Config, {"head_dim": 24}, {}),
    # A window shorter than the sequences, so that it cuts what each query sees.
    "mistral-sliding-window": (MistralConfig, {"sliding_window": 4}, {}),
}


@pytest.fixture(scope="session")
def tokenizer_file(tmp_path_factory) -> Path:
    """The model stage wants a tokenizer beside the weights; a small byte-level BPE."""
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    trainer = trainers.BpeTrainer(vocab_size=VOCAB, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                                  show_progress=False)
    tokenizer.train_from_iterator(["tiny random checkpoints for parity tests"] * 4, trainer)
    path = tmp_path_factory.mktemp("tokenizer") / "tokenizer.json"
    tokenizer.save(str(path))
    return path


@pytest.fixture(scope="session")
def checkpoints(tmp_path_factory, tokenizer_file):
    made = {}

    def make(name: str):
        if name not in made:
            config_class, overrides, save = VARIANTS[name]
            torch.manual_seed(0)
            config = config_class(**SHAPE, **overrides)
            model = AutoModelForCausalLM.from_config(config)
            randomize(model, seed=len(made) + 1)
            folder = tmp_path_factory.mktemp(name)
            save = dict(save)
            dtype = save.pop("dtype", torch.float32)
            model.to(dtype).save_pretrained(folder, **save)
            shards = sorted(folder.glob("*.safetensors"))
            assert len(shards) > 1 if "max_shard_size" in save else len(shards) == 1, shards
            assert next(iter(load_file(shards[0]).values())).dtype == dtype
            shutil.copy(tokenizer_file, folder / "tokenizer.json")
            reference = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32, attn_implementation="eager")
            made[name] = (folder, reference.eval())
        return made[name]

    return make


def padded_batch(sequences):
    length = max(map(len, sequences))
    ids = torch.zeros(len(sequences), length, dtype=torch.long)
    mask = torch.zeros(len(sequences), length, dtype=torch.long)
    for row, sequence in enumerate(sequences):
        ids[row, length - len(sequence):] = torch.tensor(sequence)
        mask[row, length - len(sequence):] = 1
    positions = (mask.cumsum(-1) - 1).masked_fill(mask == 0, 1)
    return ids, mask, positions


def labels_for(sequence):
    """The first three tokens are prompt (-100), the rest trained."""
    return [-100] * 3 + sequence[3:]


def forward(folder: Path, tmp_path: Path, sequences, *extra, labels=None) -> dict[str, torch.Tensor]:
    if not BIN.is_file():
        pytest.skip(f"tunepipe executable not found at {BIN} (build it, or set TUNEPIPE_BIN)")
    out = tmp_path / "out.safetensors"
    # The fp32 references load every checkpoint in fp32, a bf16-saved one too (ours defaults to its dtype).
    dtype = [] if "--dtype" in map(str, extra) else ["--dtype", "fp32"]
    args = ["forward", "--model", folder, "--out", out, *dtype, *extra]
    if labels is not None:
        (tmp_path / "labels.txt").write_text("".join(" ".join(map(str, row)) + "\n" for row in labels))
        args += ["--labels", tmp_path / "labels.txt"]
    result = run_tunepipe(*args, input="".join(" ".join(map(str, s)) + "\n" for s in sequences))
    assert result.returncode == 0, result.stderr
    return load_file(out)


@torch.no_grad()
def reference_logits(model, sequence):
    return model(torch.tensor([sequence], device=model.device)).logits[0].cpu()


def check_rows(ours: torch.Tensor, mask: torch.Tensor, model, name: str, what: str, tolerance=RELATIVE_TOLERANCE):
    """Each row of our left-padded batch against the reference run on that sequence alone."""
    for row, sequence in enumerate(SEQUENCES):
        kept = mask[row].bool()
        error = relative_error(ours[row][kept], reference_logits(model, sequence))
        print(f"{name} {what} row {row}: max relative error {error:.2e}")
        assert error <= tolerance, f"{name} {what}, sequence {row}: relative error {error:.2e}"


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("name", list(VARIANTS))
def test_logits_and_loss_match_transformers(name, device, checkpoints, tmp_path):
    """On a GPU both sides run there (cuBLAS, no TF32: torch's default for fp32 matmuls)."""
    folder, model = checkpoints(name)
    model = on(model, device)
    labels = [labels_for(s) for s in SEQUENCES]
    ours = forward(folder, tmp_path, SEQUENCES, "--device", device, labels=labels)
    ids, mask, positions = padded_batch(SEQUENCES)
    assert torch.equal(ours["attention_mask"], mask)
    check_rows(ours["logits"], mask, model, name, "batch")

    padded_labels = torch.full_like(ids, -100)
    for row, row_labels in enumerate(labels):
        padded_labels[row, ids.shape[1] - len(row_labels):] = torch.tensor(row_labels)
    with torch.no_grad():
        reference = model(ids.to(device), attention_mask=mask.to(device), position_ids=positions.to(device),
                          labels=padded_labels.to(device)).loss
    print(f"{name} loss: ours {ours['loss'].item():.6f}, transformers {reference.item():.6f}")
    assert ours["loss"].item() == pytest.approx(reference.item(), rel=1e-5)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("name", ["qwen2-bias", "llama3-rope", "ernie4_5", "qwen3", "mistral-sliding-window"])
def test_incremental_decoding_equals_full_recomputation(name, device, checkpoints, tmp_path):
    folder, model = checkpoints(name)
    full = forward(folder, tmp_path, SEQUENCES, "--device", device)["logits"]
    stepped = forward(folder, tmp_path, SEQUENCES, "--device", device, "--incremental", "--prefill", "4")["logits"]
    _, mask, _ = padded_batch(SEQUENCES)
    kept = mask.bool()
    assert relative_error(stepped[kept], full[kept]) <= 1e-5
    check_rows(stepped, mask, model, name, "incremental")


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("name", ["qwen2-bias", "llama3-rope", "qwen3"])
def test_packed_rows_match_transformers_and_each_sample_alone(name, device, checkpoints, tmp_path):
    """Rows of several samples whose position ids restart (packing): transformers reads them, with no attention
    mask and no cache (use_cache=False), as block-diagonal causal attention, each sample seeing only itself."""
    folder, model = checkpoints(name)
    model = on(model, device)
    extra = torch.randint(0, VOCAB, (10,), generator=torch.Generator().manual_seed(99)).tolist()
    packed = [[SEQUENCES[0], SEQUENCES[1]], [SEQUENCES[2], extra]]  # 13 + 7 and 10 + 10 tokens
    rows = [[token for sample in row for token in sample] for row in packed]
    positions = [[p for sample in row for p in range(len(sample))] for row in packed]
    (tmp_path / "positions.txt").write_text("".join(" ".join(map(str, row)) + "\n" for row in positions))
    ours = forward(folder, tmp_path, rows, "--device", device, "--position-ids", tmp_path / "positions.txt")["logits"]

    with torch.no_grad():
        reference = model(torch.tensor(rows, device=device), position_ids=torch.tensor(positions, device=device),
                          use_cache=False).logits
    error = relative_error(ours, reference.cpu())
    print(f"{name} packed rows: max relative error {error:.2e}")
    assert error <= RELATIVE_TOLERANCE
    for r, row in enumerate(packed):
        start = 0
        for sample in row:
            alone = reference_logits(model, sample)
            assert relative_error(ours[r, start:start + len(sample)], alone) <= RELATIVE_TOLERANCE, (r, start)
            start += len(sample)


def test_the_sliding_window_is_honoured_not_ignored(checkpoints, tmp_path):
    """Mistral's window of 4: the first four positions see all they would without it, later ones less."""
    folder, _ = checkpoints("mistral-sliding-window")
    windowed = forward(folder, tmp_path, SEQUENCES[:1])["logits"][0]
    unwindowed_folder = tmp_path / "no-window"
    shutil.copytree(folder, unwindowed_folder)
    config = json.loads((folder / "config.json").read_text())
    (unwindowed_folder / "config.json").write_text(json.dumps({**config, "sliding_window": None}))
    full = forward(unwindowed_folder, tmp_path, SEQUENCES[:1])["logits"][0]
    assert relative_error(windowed[:4], full[:4]) <= 1e-6
    assert relative_error(windowed[4:], full[4:]) > 1e-3


def test_position_ids_need_rows_of_one_length(checkpoints, tmp_path):
    folder, _ = checkpoints("llama")
    (tmp_path / "positions.txt").write_text("0 1 2\n0 1\n")
    result = run_tunepipe("forward", "--model", folder, "--out", tmp_path / "x.safetensors", "--position-ids",
                          tmp_path / "positions.txt", input="1 2 3\n4 5\n")
    assert result.returncode != 0
    assert "with --position-ids every sequence has the same length" in result.stderr


@pytest.mark.parametrize("name", ["qwen2-bias", "ernie4_5"])
def test_inputs_embeds_equal_input_ids(name, checkpoints, tmp_path):
    folder, _ = checkpoints(name)
    by_ids = forward(folder, tmp_path, SEQUENCES)["logits"]
    by_embeds = forward(folder, tmp_path, SEQUENCES, "--embeds")["logits"]
    assert torch.equal(by_ids, by_embeds)


@pytest.mark.parametrize("name", ["llama", "ernie4_5"])
def test_key_value_prefix_matches_a_prefilled_cache(name, checkpoints, tmp_path):
    """A per-layer prefix (P-tuning v2) is what transformers computes with those keys/values already cached."""
    folder, model = checkpoints(name)
    config = model.config
    generator = torch.Generator().manual_seed(7)
    prefix = {f"layers.{i}.{part}": torch.randn(1, config.num_key_value_heads, 5, config.head_dim, generator=generator)
              for i in range(config.num_hidden_layers) for part in ("keys", "values")}
    save_file(prefix, tmp_path / "prefix.safetensors")
    ours = forward(folder, tmp_path, SEQUENCES, "--prefix", tmp_path / "prefix.safetensors")["logits"]

    ids, mask, positions = padded_batch(SEQUENCES)
    cache = DynamicCache(config=config)
    for i in range(config.num_hidden_layers):
        cache.update(prefix[f"layers.{i}.keys"].expand(len(SEQUENCES), -1, -1, -1),
                     prefix[f"layers.{i}.values"].expand(len(SEQUENCES), -1, -1, -1), i)
    with torch.no_grad():
        reference = model(ids, attention_mask=torch.cat([torch.ones(len(SEQUENCES), 5, dtype=torch.long), mask], 1),
                          position_ids=positions, past_key_values=cache).logits
    kept = mask.bool()
    error = relative_error(ours[kept], reference[kept])
    print(f"{name} prefix: max relative error {error:.2e}")
    assert error <= RELATIVE_TOLERANCE


@pytest.mark.parametrize("kernels", ["aten", "widen"])
@pytest.mark.parametrize("name", ["llama", "ernie4_5"])
def test_bf16_matches_transformers_with_the_same_attention_kernel(name, kernels, checkpoints, tmp_path, monkeypatch):
    """In bf16 the rounding order matters: transformers' own eager and sdpa paths differ by ~1e-2, so
    the reference here uses sdpa as we do. With ATen's bf16 matmul (TUNEPIPE_BF16_KERNELS=aten) we agree
    with it to ~1e-3; the projections on fp32-widened weights (`widen`, the default on CPUs without
    native bf16 matmul) accumulate in fp32 too, in another order, so a result may round to the
    neighbouring bf16 value: at most one bf16 step (2^-8) apart."""
    monkeypatch.setenv("TUNEPIPE_BF16_KERNELS", kernels)
    folder, _ = checkpoints(name)
    ours = forward(folder, tmp_path, SEQUENCES[:1], "--dtype", "bf16")["logits"][0]
    reference = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.bfloat16, attn_implementation="sdpa")
    expected = reference_logits(reference.eval(), SEQUENCES[0]).float()
    error = relative_error(ours, expected)
    print(f"{name} bf16 ({kernels}): max relative error {error:.2e}")
    assert error <= (1e-3 if kernels == "aten" else 2 ** -8)


@GPU
@pytest.mark.parametrize("name", ["qwen2-bias", "llama", "qwen3"])
def test_bf16_on_the_gpu_matches_transformers_on_the_gpu(name, checkpoints, tmp_path):
    """cuBLAS bf16 products on both sides and sdpa attention, as ours: at most one bf16 step apart."""
    folder, _ = checkpoints(name)
    ours = forward(folder, tmp_path, SEQUENCES[:1], "--dtype", "bf16", "--device", "cuda")["logits"][0]
    reference = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.bfloat16, attn_implementation="sdpa")
    expected = reference_logits(reference.to("cuda").eval(), SEQUENCES[0]).float()
    error = relative_error(ours.float(), expected)
    print(f"{name} bf16 on the GPU: max relative error {error:.2e}")
    assert error <= 2 ** -8


def test_an_unknown_bf16_kernel_choice_is_an_error_naming_the_choices(checkpoints, tmp_path, monkeypatch):
    monkeypatch.setenv("TUNEPIPE_BF16_KERNELS", "fast")
    folder, _ = checkpoints("llama")
    result = run_tunepipe("forward", "--model", folder, "--dtype", "bf16", "--out", tmp_path / "x.safetensors",
                          input="1 2 3\n")
    assert result.returncode != 0
    assert 'TUNEPIPE_BF16_KERNELS="fast": set it to "aten"' in result.stderr and '"widen"' in result.stderr
    assert not (tmp_path / "x.safetensors").exists()


def test_errors_name_the_file_and_the_tensor(checkpoints, tmp_path):
    folder, _ = checkpoints("llama")
    broken = tmp_path / "broken"
    shutil.copytree(folder, broken)
    tensors = load_file(broken / "model.safetensors")
    tensors["model.layers.1.mlp.up_proj.weight"] = tensors["model.layers.1.mlp.up_proj.weight"][:, :32].contiguous()
    save_file(tensors, broken / "model.safetensors", metadata={"format": "pt"})
    result = run_tunepipe("forward", "--model", broken, "--out", tmp_path / "x.safetensors", input="1 2 3\n")
    assert result.returncode != 0
    assert (f'{broken}: error: [model] hf: tensor "model.layers.1.mlp.up_proj.weight" has shape [96, 32]; '
            'config.json implies [96, 64]' in result.stderr), result.stderr

    del tensors["model.layers.1.mlp.up_proj.weight"]
    save_file(tensors, broken / "model.safetensors", metadata={"format": "pt"})
    result = run_tunepipe("forward", "--model", broken, "--out", tmp_path / "x.safetensors", input="1 2 3\n")
    assert result.returncode != 0
    assert ('tensor "model.layers.1.mlp.up_proj.weight" is missing (expected shape [96, 64] from config.json)'
            in result.stderr), result.stderr
