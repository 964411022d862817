"""The benchmark checkpoints: Qwen2ForCausalLM folders with random weights, written by transformers.

Weights are saved in bf16, as Qwen/Qwen2-0.5B ships them, next to the Qwen2.5 tokenizer of the
shared assets (same vocabulary). A folder is written once and reused while its config matches.
"""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ASSETS = Path(os.environ.get("TUNEPIPE_SHARED_ASSETS", REPO.parent / "shared" / "assets"))
TOKENIZER = ASSETS / "tokenizers" / "qwen2.5"

_QWEN2 = dict(vocab_size=151936, max_position_embeddings=131072, rms_norm_eps=1e-6, rope_theta=1e6,
              tie_word_embeddings=True, bos_token_id=151643, eos_token_id=151643)
SHAPES = {
    # Qwen/Qwen2-0.5B's config.json
    "qwen2-0.5b": dict(_QWEN2, hidden_size=896, intermediate_size=4864, num_hidden_layers=24,
                       num_attention_heads=14, num_key_value_heads=2),
    # Qwen/Qwen2-1.5B's config.json
    "qwen2-1.5b": dict(_QWEN2, hidden_size=1536, intermediate_size=8960, num_hidden_layers=28,
                       num_attention_heads=12, num_key_value_heads=2),
    # for checking the benchmark itself in seconds
    "tiny": dict(_QWEN2, hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
                 num_key_value_heads=2),
}


def checkpoint(cache: Path, shape: str) -> Path:
    """The folder of `shape` under `cache`, written first if missing or stale."""
    folder = cache / shape
    stamp = folder / "bench-shape.json"
    if stamp.exists() and json.loads(stamp.read_text()) == SHAPES[shape]:
        return folder
    import torch
    from transformers import Qwen2Config, Qwen2ForCausalLM

    print(f"writing the {shape} checkpoint to {folder} (once)", flush=True)
    torch.manual_seed(0)
    model = Qwen2ForCausalLM(Qwen2Config(**SHAPES[shape])).to(torch.bfloat16)
    shutil.rmtree(folder, ignore_errors=True)
    model.save_pretrained(folder, safe_serialization=True)
    for file in TOKENIZER.iterdir():
        shutil.copy(file, folder / file.name)
    stamp.write_text(json.dumps(SHAPES[shape]))
    return folder


def prompt_ids(folder: Path, tokens: int) -> list[int]:
    """The first `tokens` ids of a fixed English and Chinese text, tokenized by HF."""
    from tokenizers import Tokenizer
    from transformers import AutoTokenizer

    tokenizer: Tokenizer = AutoTokenizer.from_pretrained(str(folder)).backend_tokenizer
    text = ("Fine-tuning adapts a pretrained language model to one task with a small labelled data set. "
            "微调让预训练的语言模型用少量标注数据适应一个具体任务。") * (tokens // 20 + 1)
    ids = tokenizer.encode(text, add_special_tokens=False).ids
    if len(ids) < tokens:
        raise ValueError(f"the prompt text has only {len(ids)} tokens")
    return ids[:tokens]
