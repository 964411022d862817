#pragma once
// An HF config.json object → the decoder it describes, for the architectures
// DecoderCausalLM computes exactly as transformers (or the family's own
// reference code) does. Each architecture is one entry of the table in
// decoder_config.cpp. Anything in the file that would change the math but is
// not implemented is an error naming the key, never ignored.
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "tunepipe/causal_lm.hpp"

namespace tp::decoder {

// What one architecture's layers are built with, beyond the SDK's
// DecoderConfig (what every decoder has).
struct LayerSettings {
  bool qkv_bias = false;     // q/k/v projections
  bool output_bias = false;  // o_proj
  bool mlp_bias = false;
  bool qk_norm = false;  // a per-head RMSNorm of queries and keys (Qwen3)
  // Adjacent pairs (x0,x1),(x2,x3)… rotated in fp32 (ERNIE-4.5); otherwise the
  // two halves of each head, in the activations' dtype.
  bool interleaved_rotary = false;
  bool yuan2_layers = false;  // LocalizedFiltering layers (YuanLayer)
  // Each query sees only the last `sliding_window` keys, itself included (Mistral).
  std::optional<std::int64_t> sliding_window;
  // Yuan2 with reset_attention_mask: no later token attends to this one (a
  // document's end) or anything before it — in forwards that record gradients
  // (the reference's training mode), and in the others as well when
  // resets_without_gradients.
  std::optional<std::int64_t> attention_resets_after;
  bool resets_without_gradients = false;
};

struct DecoderDescription {
  DecoderConfig config;
  LayerSettings layers;
};

// Throws tp::Error naming `file` and the key.
DecoderDescription describe_decoder(const nlohmann::json& config, const std::string& file);

}  // namespace tp::decoder
