"""A trained checkpoint rather than random weights: llama2.c's stories260K (karpathy/tinyllamas, in the shared
assets; see PROVENANCE.md there), converted here to a Hugging Face Llama folder.

The conversion is checked first against an independent NumPy forward written from llama2.c's run.c (its own
rotary convention, weights as stored), so that the folder is that trained model. Then tunepipe against
transformers on it: fp32 logits, the loss, and a greedy continuation of 32 tokens; bf16 within one bf16 step.
Trained weights give peaked, structured distributions that random weights do not. The model's own 512-piece
tokenizer is not among the assets, so the folder gets a stand-in tokenizer.json that only names the ids
(`<3>` … `<511>`), and the tests compare token ids.
"""
import json
import struct

import numpy as np
import pytest
import torch
from safetensors.torch import load_file, save_file

from tunepipe_env import BIN, SHARED_ASSETS, run_tunepipe

STORIES = SHARED_ASSETS / "models" / "llama2c-stories260K" / "stories260K.bin"
PROMPT = [1, 403, 407, 261, 378, 430, 271]  # token 1 is llama2.c's BOS
RELATIVE_TOLERANCE = 1e-4

pytestmark = pytest.mark.skipif(not STORIES.is_file(), reason=f"{STORIES} not found (set TUNEPIPE_SHARED_ASSETS)")


def read_llama2c(path):
    """llama2.c's legacy format: seven int32 (dim, hidden, layers, heads, kv heads, vocab, seq len; a
    positive vocab means a shared classifier), then float32 arrays in run.c's order."""
    data = path.read_bytes()
    dim, hidden, layers, heads, kv_heads, vocab, seq_len = struct.unpack("7i", data[:28])
    assert vocab > 0, "a separate classifier is not expected in stories260K"
    floats = np.frombuffer(data, dtype="<f4", offset=28)
    kv_dim = dim * kv_heads // heads
    shapes = [("embed", (vocab, dim)), ("rms_att", (layers, dim)), ("wq", (layers, dim, dim)),
              ("wk", (layers, kv_dim, dim)), ("wv", (layers, kv_dim, dim)), ("wo", (layers, dim, dim)),
              ("rms_ffn", (layers, dim)), ("w1", (layers, hidden, dim)), ("w2", (layers, dim, hidden)),
              ("w3", (layers, hidden, dim)), ("rms_final", (dim,))]
    weights, offset = {}, 0
    for name, shape in shapes:
        count = int(np.prod(shape))
        weights[name] = floats[offset:offset + count].reshape(shape).astype(np.float64)
        offset += count
    offset += 2 * seq_len * (dim // heads) // 2  # freq_cis_real and _imag, which run.c no longer reads
    assert offset == floats.size, "stories260K.bin is not the size its header implies"
    config = dict(dim=dim, hidden=hidden, layers=layers, heads=heads, kv_heads=kv_heads, vocab=vocab, seq_len=seq_len)
    return config, weights


def llama2c_logits(config, w, tokens):
    """run.c's forward, position by position with a KV cache, in float64."""
    dim, heads, kv_heads = config["dim"], config["heads"], config["kv_heads"]
    head_size = dim // heads

    def rmsnorm(x, weight):
        return weight * x / np.sqrt(np.mean(x * x) + 1e-5)

    def rotate(vector, position):  # consecutive pairs, per head
        out = vector.copy()
        for i in range(0, vector.size, 2):
            angle = position / 10000.0 ** ((i % head_size) / head_size)
            c, s = np.cos(angle), np.sin(angle)
            out[i], out[i + 1] = vector[i] * c - vector[i + 1] * s, vector[i] * s + vector[i + 1] * c
        return out

    keys = [[] for _ in range(config["layers"])]
    values = [[] for _ in range(config["layers"])]
    logits = []
    for position, token in enumerate(tokens):
        x = w["embed"][token].copy()
        for layer in range(config["layers"]):
            xb = rmsnorm(x, w["rms_att"][layer])
            q = rotate(w["wq"][layer] @ xb, position)
            keys[layer].append(rotate(w["wk"][layer] @ xb, position))
            values[layer].append(w["wv"][layer] @ xb)
            attended = np.empty(dim)
            for h in range(heads):
                kv = h // (heads // kv_heads)
                cached_k = np.stack([k[kv * head_size:(kv + 1) * head_size] for k in keys[layer]])
                cached_v = np.stack([v[kv * head_size:(kv + 1) * head_size] for v in values[layer]])
                scores = cached_k @ q[h * head_size:(h + 1) * head_size] / np.sqrt(head_size)
                weights = np.exp(scores - scores.max())
                attended[h * head_size:(h + 1) * head_size] = (weights / weights.sum()) @ cached_v
            x = x + w["wo"][layer] @ attended
            xb = rmsnorm(x, w["rms_ffn"][layer])
            gate = w["w1"][layer] @ xb
            x = x + w["w2"][layer] @ (gate / (1 + np.exp(-gate)) * (w["w3"][layer] @ xb))
        logits.append(w["embed"] @ rmsnorm(x, w["rms_final"]))
    return np.stack(logits)


def to_rotate_half(weight, heads):
    """Rows of a q/k projection from llama2.c's consecutive-pair rotary to HF Llama's half-split one."""
    out, inp = weight.shape
    return weight.reshape(heads, out // heads // 2, 2, inp).transpose(0, 2, 1, 3).reshape(out, inp)


def write_hf_folder(config, w, folder):
    folder.mkdir()
    tensor = lambda array: torch.from_numpy(np.ascontiguousarray(array, dtype=np.float32))  # noqa: E731
    tensors = {"model.embed_tokens.weight": tensor(w["embed"]), "model.norm.weight": tensor(w["rms_final"])}
    for layer in range(config["layers"]):
        prefix = f"model.layers.{layer}"
        tensors |= {
            f"{prefix}.input_layernorm.weight": tensor(w["rms_att"][layer]),
            f"{prefix}.post_attention_layernorm.weight": tensor(w["rms_ffn"][layer]),
            f"{prefix}.self_attn.q_proj.weight": tensor(to_rotate_half(w["wq"][layer], config["heads"])),
            f"{prefix}.self_attn.k_proj.weight": tensor(to_rotate_half(w["wk"][layer], config["kv_heads"])),
            f"{prefix}.self_attn.v_proj.weight": tensor(w["wv"][layer]),
            f"{prefix}.self_attn.o_proj.weight": tensor(w["wo"][layer]),
            f"{prefix}.mlp.gate_proj.weight": tensor(w["w1"][layer]),
            f"{prefix}.mlp.down_proj.weight": tensor(w["w2"][layer]),
            f"{prefix}.mlp.up_proj.weight": tensor(w["w3"][layer]),
        }
    save_file(tensors, folder / "model.safetensors", metadata={"format": "pt"})
    from tokenizers import Tokenizer, models

    names = {"<unk>": 0, "<s>": 1, "</s>": 2} | {f"<{i}>": i for i in range(3, config["vocab"])}
    Tokenizer(models.BPE(vocab=names, merges=[], unk_token="<unk>")).save(str(folder / "tokenizer.json"))
    (folder / "config.json").write_text(json.dumps({
        "architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": config["dim"],
        "intermediate_size": config["hidden"], "num_hidden_layers": config["layers"],
        "num_attention_heads": config["heads"], "num_key_value_heads": config["kv_heads"],
        "vocab_size": config["vocab"], "max_position_embeddings": config["seq_len"], "rms_norm_eps": 1e-5,
        "rope_theta": 10000.0, "tie_word_embeddings": True, "hidden_act": "silu", "bos_token_id": 1,
        "eos_token_id": 2, "torch_dtype": "float32"}))


@pytest.fixture(scope="module")
def stories(tmp_path_factory):
    from transformers import AutoModelForCausalLM

    config, weights = read_llama2c(STORIES)
    folder = tmp_path_factory.mktemp("stories") / "stories260K-hf"
    write_hf_folder(config, weights, folder)
    model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32).eval()
    return config, weights, folder, model


def relative_error(ours, expected):
    return ((ours.float() - expected.float()).abs().max() / expected.float().abs().max()).item()


def ours_forward(folder, tmp_path, tokens, *extra):
    if not BIN.is_file():
        pytest.skip(f"tunepipe executable not found at {BIN}")
    out = tmp_path / "logits.safetensors"
    (tmp_path / "labels.txt").write_text(" ".join(map(str, tokens)) + "\n")
    result = run_tunepipe("forward", "--model", folder, "--out", out, "--labels", tmp_path / "labels.txt", *extra,
                          input=" ".join(map(str, tokens)) + "\n")
    assert result.returncode == 0, result.stderr
    return load_file(out)


def test_the_converted_folder_is_the_trained_model(stories):
    config, weights, _, model = stories
    expected = llama2c_logits(config, weights, PROMPT)
    with torch.no_grad():
        converted = model(torch.tensor([PROMPT])).logits[0].double()
    assert relative_error(converted, torch.from_numpy(expected)) <= 1e-5
    # Trained, not random: the next-token distribution is peaked (uniform would be 1/512 = 0.002).
    assert torch.softmax(converted[-1], -1).max().item() > 0.1


def test_logits_and_loss_equal_transformers(stories, tmp_path):
    _, _, folder, model = stories
    ours = ours_forward(folder, tmp_path, PROMPT)
    with torch.no_grad():
        reference = model(torch.tensor([PROMPT]), labels=torch.tensor([PROMPT]))
    error = relative_error(ours["logits"][0], reference.logits[0])
    print(f"stories260K fp32: max relative error {error:.2e}")
    assert error <= RELATIVE_TOLERANCE
    assert ours["loss"].item() == pytest.approx(reference.loss.item(), rel=1e-5)


def test_greedy_story_equals_transformers(stories):
    _, _, folder, model = stories
    result = run_tunepipe("generate", "--model", folder, "--prompt-ids", " ".join(map(str, PROMPT)),
                          "--max-new-tokens", "32", "--greedy", "--ignore-eos", "--print-ids")
    assert result.returncode == 0, result.stderr
    ours = [int(token) for token in result.stdout.split()]
    with torch.no_grad():
        expected = model.generate(torch.tensor([PROMPT]), max_new_tokens=32, min_new_tokens=32, do_sample=False)
    assert ours == expected[0, len(PROMPT):].tolist()


@pytest.mark.parametrize("kernels", ["aten", "widen"])
def test_bf16_is_within_one_bf16_step_of_transformers(stories, kernels, tmp_path, monkeypatch):
    _, _, folder, _ = stories
    monkeypatch.setenv("TUNEPIPE_BF16_KERNELS", kernels)
    from transformers import AutoModelForCausalLM

    ours = ours_forward(folder, tmp_path, PROMPT, "--dtype", "bf16")["logits"][0]
    # Loaded in bf16, not cast with .to(): that would round the rotary frequencies to bf16 as well.
    reference = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.bfloat16).eval()
    with torch.no_grad():
        expected = reference(torch.tensor([PROMPT])).logits[0]
    error = relative_error(ours, expected)
    print(f"stories260K bf16 ({kernels}): max relative error {error:.2e}")
    assert error <= 2 ** -8
