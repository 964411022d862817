"""LoRA adapters against peft: its folders load in tunepipe, and merged checkpoints load in transformers.

Tiny random checkpoints (a Qwen2 with q/k/v biases, a Llama with tied embeddings) are written by
transformers; peft puts a LoRA adapter on them with a non-zero B (init_lora_weights=False) and saves it.
Our side is `tunepipe forward --model BASE --adapter ADAPTER` and `tunepipe merge`; the reference is the
peft model in fp32 with the eager attention, one sequence at a time.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tunepipe_env import BIN, REPO, SHARED_ASSETS, run_tunepipe
from reference_models import randomize, relative_error

torch = pytest.importorskip("torch")
peft = pytest.importorskip("peft")
transformers = pytest.importorskip("transformers")
from safetensors.torch import load_file, save_file  # noqa: E402

VOCAB = 320
SHAPE = dict(vocab_size=VOCAB, hidden_size=64, intermediate_size=96, num_hidden_layers=2, num_attention_heads=4,
             num_key_value_heads=2, max_position_embeddings=256)
RELATIVE_TOLERANCE = 1e-4
SEQUENCES = [torch.randint(0, VOCAB, (n,), generator=torch.Generator().manual_seed(n)).tolist() for n in (11, 6, 9)]
QWEN_TOKENIZER = SHARED_ASSETS / "tokenizers" / "qwen2.5"
TINY_TOKENIZER = REPO / "tests" / "data" / "tokenizers" / "tiny-bpe"
ALL_PROJECTIONS = "down_proj, gate_proj, k_proj, o_proj, q_proj, up_proj, v_proj"

BASES = {
    # The Qwen2 folder gets the shared Qwen2.5 tokenizer (vocab.json + merges.txt) when it is there.
    "qwen2": (transformers.Qwen2Config, {}, QWEN_TOKENIZER if QWEN_TOKENIZER.is_dir() else TINY_TOKENIZER),
    "llama": (transformers.LlamaConfig, {"tie_word_embeddings": True}, TINY_TOKENIZER),
}

# name → (base, LoraConfig arguments)
ADAPTERS = {
    "qwen2-names-layers": ("qwen2", dict(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj", "down_proj"],
                                         layers_to_transform=[1])),
    "qwen2-all-linear-rslora": ("qwen2", dict(r=4, lora_alpha=16, target_modules="all-linear", use_rslora=True)),
    "llama-regex": ("llama", dict(r=4, lora_alpha=4, target_modules=r".*\.(k_proj|up_proj)")),
    "llama-names-rslora": ("llama", dict(r=2, lora_alpha=8, target_modules=["o_proj", "gate_proj", "k_proj"],
                                         use_rslora=True, layers_to_transform=[0])),
}


def load_base(folder: Path):
    return transformers.AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32,
                                                             attn_implementation="eager").eval()


@pytest.fixture(scope="session")
def bases(tmp_path_factory):
    made = {}

    def make(name: str) -> Path:
        if name not in made:
            config_class, overrides, tokenizer = BASES[name]
            torch.manual_seed(0)
            model = transformers.AutoModelForCausalLM.from_config(config_class(**SHAPE, **overrides))
            randomize(model, seed=len(made) + 1)
            folder = tmp_path_factory.mktemp(name)
            model.save_pretrained(folder)
            for file in tokenizer.iterdir():
                shutil.copy(file, folder / file.name)
            made[name] = folder
        return made[name]

    return make


@pytest.fixture(scope="session")
def adapters(tmp_path_factory, bases):
    """name → (base folder, adapter folder, the peft model in eval mode)."""
    made = {}

    def make(name: str):
        if name not in made:
            base_name, arguments = ADAPTERS[name]
            base = bases(base_name)
            torch.manual_seed(len(made) + 10)
            config = peft.LoraConfig(task_type="CAUSAL_LM", init_lora_weights=False, **arguments)
            model = peft.get_peft_model(load_base(base), config)
            folder = tmp_path_factory.mktemp(f"adapter-{name}")
            model.save_pretrained(folder)
            made[name] = (base, folder, model.eval())
        return made[name]

    return make


def forward_logits(base: Path, adapter: Path, tmp_path: Path) -> torch.Tensor:
    if not BIN.is_file():
        pytest.skip(f"tunepipe executable not found at {BIN} (build it, or set TUNEPIPE_BIN)")
    out = tmp_path / "logits.safetensors"
    result = run_tunepipe("forward", "--model", base, "--adapter", adapter, "--out", out,
                          input="".join(" ".join(map(str, s)) + "\n" for s in SEQUENCES))
    assert result.returncode == 0, result.stderr
    outputs = load_file(out)
    return outputs["logits"], outputs["attention_mask"]


@torch.no_grad()
def reference_logits(model, sequence) -> torch.Tensor:
    return model(torch.tensor([sequence])).logits[0]


def check_rows(logits, mask, model, what: str):
    for row, sequence in enumerate(SEQUENCES):
        error = relative_error(logits[row][mask[row].bool()], reference_logits(model, sequence))
        print(f"{what} row {row}: max relative error {error:.2e}")
        assert error <= RELATIVE_TOLERANCE, f"{what}, sequence {row}: relative error {error:.2e}"


@pytest.mark.parametrize("name", list(ADAPTERS))
def test_peft_adapter_logits(name, adapters, tmp_path):
    base, adapter, model = adapters(name)
    with model.disable_adapter():
        unadapted = reference_logits(model, SEQUENCES[0])
    assert relative_error(unadapted, reference_logits(model, SEQUENCES[0])) > 1e-2, "the adapter changes too little"
    logits, mask = forward_logits(base, adapter, tmp_path)
    check_rows(logits, mask, model, f"{name} with --adapter")


@pytest.mark.parametrize("name", ["qwen2-all-linear-rslora", "llama-names-rslora"])
def test_merged_checkpoint_loads_in_transformers(name, adapters, tmp_path):
    base, adapter, model = adapters(name)
    merged = tmp_path / "merged"
    run_tunepipe("merge", "--model", base, "--adapter", adapter, "--out", merged, check=True)
    assert not list(tmp_path.glob("merged.tmp-*"))
    side_files = {f.name for f in base.iterdir() if f.suffix != ".safetensors"}
    assert {f.name for f in merged.iterdir()} == side_files | {"model.safetensors"}
    assert "generation_config.json" in side_files and any(f.startswith("tokenizer") for f in side_files)
    check_rows(*forward_logits_of_transformers(merged), model, f"{name} merged")


def forward_logits_of_transformers(folder: Path):
    """The merged folder as transformers alone runs it, shaped like `forward`'s output for check_rows."""
    merged = load_base(folder)
    length = max(map(len, SEQUENCES))
    logits = torch.zeros(len(SEQUENCES), length, VOCAB)
    mask = torch.zeros(len(SEQUENCES), length, dtype=torch.long)
    for row, sequence in enumerate(SEQUENCES):
        logits[row, length - len(sequence):] = reference_logits(merged, sequence)
        mask[row, length - len(sequence):] = 1
    return logits, mask


def test_merge_to_bf16_rounds_peft_merged_weights_once(adapters, tmp_path):
    base, adapter, _ = adapters("qwen2-names-layers")
    run_tunepipe("merge", "--model", base, "--adapter", adapter, "--out", tmp_path / "merged", "--dtype", "bf16",
                 check=True)
    config = json.loads((tmp_path / "merged" / "config.json").read_text())
    assert config.get("dtype", config.get("torch_dtype")) == "bfloat16"
    expected = peft.PeftModel.from_pretrained(load_base(base), adapter).merge_and_unload().state_dict()
    ours = load_file(tmp_path / "merged" / "model.safetensors")
    assert set(ours) == set(expected)
    for key, tensor in ours.items():
        assert tensor.dtype == torch.bfloat16, key
        reference = expected[key].to(torch.bfloat16).float()
        assert (tensor.float() - reference).abs().max() <= reference.abs().max() * 2**-8, key


def test_merge_refuses_a_non_empty_folder_unless_forced(adapters, tmp_path):
    base, adapter, _ = adapters("llama-regex")
    out = tmp_path / "merged"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    result = run_tunepipe("merge", "--model", base, "--adapter", adapter, "--out", out)
    assert result.returncode == 1
    assert result.stderr == f"{out}: error: already exists and is not empty: choose another --out, or pass --force\n"
    assert (out / "keep.txt").exists()
    run_tunepipe("merge", "--model", base, "--adapter", adapter, "--out", out, "--force", check=True)
    assert not (out / "keep.txt").exists() and (out / "model.safetensors").exists()


def broken_copy(adapters, tmp_path, change_config=None, change_tensors=None) -> tuple[Path, Path]:
    base, adapter, _ = adapters("qwen2-names-layers")
    broken = tmp_path / "broken"
    shutil.copytree(adapter, broken)
    if change_config:
        config = json.loads((broken / "adapter_config.json").read_text())
        change_config(config)
        (broken / "adapter_config.json").write_text(json.dumps(config))
    if change_tensors:
        tensors = load_file(broken / "adapter_model.safetensors")
        change_tensors(tensors)
        save_file(tensors, broken / "adapter_model.safetensors", metadata={"format": "pt"})
    return base, broken


def forward_error(base: Path, adapter: Path) -> str:
    result = run_tunepipe("forward", "--model", base, "--adapter", adapter, "--out", adapter / "logits.safetensors",
                          input="1 2 3\n")
    assert result.returncode == 1, result.stderr
    return result.stderr


Q_PROJ_A = "base_model.model.model.layers.1.self_attn.q_proj.lora_A.weight"


def test_missing_tensor(adapters, tmp_path):
    base, broken = broken_copy(adapters, tmp_path, change_tensors=lambda t: t.pop(Q_PROJ_A))
    assert forward_error(base, broken) == (
        f'{broken}/adapter_model.safetensors: error: [adapter] lora: tensor "{Q_PROJ_A}" is missing '
        "(adapter_config.json targets model.layers.1.self_attn.q_proj (64 → 64) with r = 4)\n")


def test_wrong_shape(adapters, tmp_path):
    base, broken = broken_copy(adapters, tmp_path,
                               change_tensors=lambda t: t.__setitem__(Q_PROJ_A, t[Q_PROJ_A][:, :32].contiguous()))
    assert forward_error(base, broken) == (
        f'{broken}/adapter_model.safetensors: error: [adapter] lora: tensor "{Q_PROJ_A}" has shape [4, 32], '
        "expected [4, 64] for model.layers.1.self_attn.q_proj (64 → 64) with r = 4\n")


def test_tensor_of_no_target(adapters, tmp_path):
    extra = Q_PROJ_A.replace("q_proj", "k_proj")
    base, broken = broken_copy(adapters, tmp_path, change_tensors=lambda t: t.__setitem__(extra, t[Q_PROJ_A].clone()))
    assert forward_error(base, broken) == (
        f'{broken}/adapter_model.safetensors: error: [adapter] lora: tensor "{extra}" belongs to no target module '
        "of adapter_config.json (a LoRA adapter holds only <module>.lora_A.weight and <module>.lora_B.weight)\n")


def test_dora_is_refused(adapters, tmp_path):
    base, broken = broken_copy(adapters, tmp_path, change_config=lambda c: c.update(use_dora=True))
    assert forward_error(base, broken) == (
        f'{broken}/adapter_config.json: error: [adapter] lora: "use_dora": true (DoRA) is not supported by the lora '
        "plugin; it loads plain LoRA and rsLoRA adapters\n")


def test_unknown_target_name(adapters, tmp_path):
    base, broken = broken_copy(adapters, tmp_path, change_config=lambda c: c.update(target_modules=["q_proj", "qkv"]))
    assert forward_error(base, broken) == (
        f'{broken}/adapter_config.json: error: [adapter] lora: target module "qkv" matches no projection of the '
        f"model (available: {ALL_PROJECTIONS}, or all-linear)\n")


def test_folder_without_adapter_config(bases, tmp_path):
    assert forward_error(bases("qwen2"), tmp_path) == (
        f"{tmp_path}: error: no adapter_config.json: not a PEFT adapter folder\n")
