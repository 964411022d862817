#pragma once
// Grouped-query self-attention of one decoder layer, with RoPE, the KV cache
// and an optional key/value prefix.
#include <ATen/ATen.h>

#include <map>
#include <string>

#include "attention_mask.hpp"
#include "decoder_config.hpp"
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
  // [batch, 1 + tokens] in the activations' dtype: 1 where the token before
  // this forward's first one and each of its tokens are real, 0 for padding
  // or no token at all; for layers that mix neighbouring tokens (Yuan2),
  // undefined for the others.
  at::Tensor real_tokens;
};

// One layer's slots in the caller's KV cache and its prefix; null: none.
struct LayerMemory {
  at::Tensor* cached_keys = nullptr;
  at::Tensor* cached_values = nullptr;
  const at::Tensor* prefix_keys = nullptr;
  const at::Tensor* prefix_values = nullptr;
  std::map<std::string, at::Tensor>* state = nullptr;  // the cache's family state (KVCache::state)
};

// Queries, keys and values [batch, heads, tokens, head_dim] → the attended
// values [batch, tokens, heads × head_dim]: keys and values join the cache
// (and extend it) and the prefix, the pattern says what each query sees.
at::Tensor attend(const at::Tensor& queries, at::Tensor keys, at::Tensor values, const ForwardContext& context,
                  const LayerMemory& memory);

class SelfAttention {
 public:
  // `prefix` is the module's HF name, e.g. "model.layers.0.self_attn".
  SelfAttention(const DecoderConfig& config, const LayerSettings& layers, const WeightLoader& weights,
                const std::string& prefix);

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
