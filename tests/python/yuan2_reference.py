"""IEIT's Yuan2 modeling code (../shared/reference/yuan2), run as the reference under transformers 5 on CPU.

The code is copied into a test folder with the edits its README lists, never into the project: an old-style
rotary module for the `LlamaRotaryEmbedding(dim, max_position_embeddings=…)` it imports, its cached-decoding
memory allocated on the hidden states' device instead of `torch.cuda.current_device()`, and the leftover
`print` / `pdb.set_trace()` removed. It imports `einops.rearrange` without calling it: where einops is not
installed a stand-in that fails if called takes its place. transformers 5 ties the head only through
`_tied_weights_keys`, and leaves the non-persistent rotary buffers uninitialised when loading, so those are
rebuilt after `from_pretrained`.
"""
from __future__ import annotations

import importlib.util
import shutil
import sys
import types
from pathlib import Path

import torch

from reference_models import randomize
from tunepipe_env import SHARED_ASSETS

REFERENCE = SHARED_ASSETS.parent / "reference" / "yuan2"
TOKENIZER = SHARED_ASSETS / "tokenizers" / "yuan2"

VOCAB, EOD, SEP = 135040, 77185, 77187
# A tiny Yuan2 with the real model's vocabulary, special ids and attention resets after <eod>.
TINY_CONFIG = dict(vocab_size=VOCAB, hidden_size=64, intermediate_size=96, num_hidden_layers=2,
                   num_attention_heads=4, max_position_embeddings=256, pad_token_id=EOD, bos_token_id=EOD,
                   eos_token_id=EOD, eod_token=EOD, sep_token=SEP, use_flash_attention=False, use_loss_mask=False,
                   reset_attention_mask=True, reset_position_ids=True, causal_mask=True, dropout=0.0,
                   tie_word_embeddings=True)

OLD_STYLE_ROTARY = '''from transformers.models.llama.modeling_llama import LlamaRMSNorm


class LlamaRotaryEmbedding(torch.nn.Module):
    """The transformers 4.3x rotary module the code was written against: cos/sin of cat(freqs, freqs)."""

    def __init__(self, dim, max_position_embeddings=2048, base=10000, device=None):
        super().__init__()
        inv_freq = 1.0 / (base ** (torch.arange(0, dim, 2).float() / dim))
        self.register_buffer("inv_freq", inv_freq, persistent=False)
        self.dim, self.base = dim, base
        self._cache(max_position_embeddings)

    def _cache(self, length):
        self.max_seq_len_cached = length
        freqs = torch.outer(torch.arange(length, dtype=torch.float32), self.inv_freq)
        angles = torch.cat((freqs, freqs), dim=-1)
        self.register_buffer("cos_cached", angles.cos()[None, None], persistent=False)
        self.register_buffer("sin_cached", angles.sin()[None, None], persistent=False)

    def forward(self, x, seq_len=None):
        if seq_len > self.max_seq_len_cached:
            self._cache(seq_len)
        return self.cos_cached[:, :, :seq_len].to(x.dtype), self.sin_cached[:, :, :seq_len].to(x.dtype)
'''

EDITS = [
    ("from transformers.models.llama.modeling_llama import LlamaRMSNorm,LlamaRotaryEmbedding\n", OLD_STYLE_ROTARY),
    (" ,device=torch.cuda.current_device())", " ,device=hidden_states.device)"),
    ("        import pdb\n        print(self.embed_tokens.weight)\n        pdb.set_trace()\n", ""),
]


_loaded: types.ModuleType | None = None


def load_reference(folder: Path) -> types.ModuleType:
    """The edited modeling module, imported from `folder` the first time (later calls return that one)."""
    global _loaded
    if _loaded is not None:
        return _loaded
    folder.mkdir(parents=True, exist_ok=True)
    source = (REFERENCE / "yuan_hf_model.py").read_text("utf-8")
    for old, new in EDITS:
        assert source.count(old) == 1, f"the reference code changed: {old!r}"
        source = source.replace(old, new)
    (folder / "yuan_hf_model.py").write_text(source, "utf-8")
    (folder / "configuration_yuan.py").write_text((REFERENCE / "configuration_yuan.py").read_text("utf-8"), "utf-8")
    if importlib.util.find_spec("einops") is None:
        def rearrange(*args, **kwargs):
            raise AssertionError("the Yuan2 reference called einops.rearrange: install einops")
        sys.modules["einops"] = types.SimpleNamespace(rearrange=rearrange)
    sys.path.insert(0, str(folder))
    try:
        spec = importlib.util.spec_from_file_location("yuan_hf_model", folder / "yuan_hf_model.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(folder))

    class YuanForCausalLM(module.YuanForCausalLM):
        _tied_weights_keys = {"lm_head.weight": "model.embed_tokens.weight"}

    module.TiedYuanForCausalLM = YuanForCausalLM
    module.YuanConfig = sys.modules["configuration_yuan"].YuanConfig
    _loaded = module
    return module


def reload(module: types.ModuleType, folder: Path, dtype=torch.float32):
    """from_pretrained in eval mode, with the rotary buffers rebuilt."""
    model = module.TiedYuanForCausalLM.from_pretrained(folder, dtype=dtype).eval()
    for layer in model.model.layers:
        attention = layer.self_attn
        attention.rotary_emb = module.LlamaRotaryEmbedding(attention.head_dim,
                                                           max_position_embeddings=attention.max_position_embeddings)
    return model


@torch.no_grad()
def greedy(model, prompt: list[int], new_tokens: int, cached: bool = True) -> list[int]:
    """The 4.3x generate loop the code expects (transformers 5's generate hands it a DynamicCache it cannot read):
    the whole sequence each step, which the model cuts to the last token itself when it has a cache."""
    ids = torch.tensor([prompt])
    mask = torch.ones_like(ids)
    past = None
    for _ in range(new_tokens):
        if cached:
            inputs = model.prepare_inputs_for_generation(ids, past_key_values=past, attention_mask=mask,
                                                         use_cache=True)
            output = model(**inputs)
            past = output.past_key_values
        else:
            output = model(input_ids=ids, use_cache=False)
        token = output.logits[:, -1:].argmax(-1)
        ids, mask = torch.cat([ids, token], 1), torch.cat([mask, torch.ones_like(token)], 1)
    return ids[0, len(prompt):].tolist()


def write_tiny_checkpoint(module: types.ModuleType, folder: Path) -> Path:
    """Random weights large enough that every term matters, saved by the reference with the Yuan2 tokenizer."""
    torch.manual_seed(0)
    model = module.TiedYuanForCausalLM(module.YuanConfig(**TINY_CONFIG))
    randomize(model, seed=3)
    with torch.no_grad():  # randomize scales by the last dimension, which is 1 for the (2, 1) kernels
        for name, parameter in model.named_parameters():
            if name.endswith("conv1.weight") or name.endswith("conv2.weight"):
                parameter.copy_(torch.randn(parameter.shape, generator=torch.Generator().manual_seed(len(name)))
                                / (2 * parameter.shape[1]) ** 0.5)
    model.save_pretrained(folder)
    for name in ("tokenizer.model", "tokenizer_config.json", "special_tokens_map.json"):
        shutil.copy(TOKENIZER / name, folder / name)
    return folder
