#pragma once
// Grouped-query self-attention of one decoder layer, with RoPE, the KV cache
// and an optional key/value prefix.
#include <ATen/ATen.h>

#include <string>

#include "attention_mask.hpp"
#include "rotary_embedding.hpp"
#include "tunepipe/adaptable_linear.hpp"
#include "tunepipe/causal_lm.hpp"
#include "weight_loader.hpp"

namespace tp::decoder {

// What every layer of one forward shares.
struct ForwardContext {
  const RotaryEmbedding& rotary;
  RotaryAngles angles;
  AttentionPattern pattern;
};

// One layer's slots in the caller's KV cache and its prefix; null: none.
struct LayerMemory {
  at::Tensor* cached_keys = nullptr;
  at::Tensor* cached_values = nullptr;
  const at::Tensor* prefix_keys = nullptr;
  const at::Tensor* prefix_values = nullptr;
};

class SelfAttention {
 public:
  // `prefix` is the module's HF name, e.g. "model.layers.0.self_attn".
  SelfAttention(const DecoderConfig& config, const WeightLoader& weights, const std::string& prefix);

  at::Tensor forward(const at::Tensor& hidden, const ForwardContext& context, const LayerMemory& memory) const;

  AdaptableLinear q_proj, k_proj, v_proj, o_proj;
  at::Tensor q_norm, k_norm;  // Qwen3's per-head RMSNorm weights; undefined elsewhere

 private:
  at::Tensor heads(const AdaptableLinear& projection, const at::Tensor& hidden, std::int64_t count,
                   const at::Tensor& norm) const;

  std::int64_t num_heads_, num_kv_heads_, head_dim_;
  double eps_;
};

}  // namespace tp::decoder
