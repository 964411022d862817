#include "self_attention.hpp"

#include <cmath>
#include <optional>

#include "rms_norm.hpp"

namespace tp::decoder {
namespace {

// A prefix given for one row applies to every row of the batch.
at::Tensor with_prefix(const at::Tensor* prefix, const at::Tensor& states) {
  if (prefix == nullptr) return states;
  at::Tensor p = prefix->to(states.scalar_type());
  if (p.size(0) != states.size(0)) p = p.expand({states.size(0), p.size(1), p.size(2), p.size(3)});
  return at::cat({p, states}, 2);
}

}  // namespace

SelfAttention::SelfAttention(const DecoderConfig& config, const LayerSettings& layers, const WeightLoader& weights,
                             const std::string& prefix)
    : q_proj(weights.linear(prefix + ".q_proj", config.num_heads * config.head_dim, config.hidden_size,
                            layers.qkv_bias)),
      k_proj(weights.linear(prefix + ".k_proj", config.num_kv_heads * config.head_dim, config.hidden_size,
                            layers.qkv_bias)),
      v_proj(weights.linear(prefix + ".v_proj", config.num_kv_heads * config.head_dim, config.hidden_size,
                            layers.qkv_bias)),
      o_proj(weights.linear(prefix + ".o_proj", config.hidden_size, config.num_heads * config.head_dim,
                            layers.output_bias)),
      q_norm(weights.load_if(layers.qk_norm, prefix + ".q_norm.weight", {config.head_dim})),
      k_norm(weights.load_if(layers.qk_norm, prefix + ".k_norm.weight", {config.head_dim})),
      num_heads_(config.num_heads),
      num_kv_heads_(config.num_kv_heads),
      head_dim_(config.head_dim),
      eps_(config.rms_norm_eps) {}

// [batch, tokens, hidden] → [batch, heads, tokens, head_dim]
at::Tensor SelfAttention::heads(const AdaptableLinear& projection, const at::Tensor& hidden, std::int64_t count,
                                const at::Tensor& norm) const {
  at::Tensor states = projection.forward(hidden).view({hidden.size(0), hidden.size(1), count, head_dim_});
  if (norm.defined()) states = rms_norm(states, norm, eps_);
  return states.transpose(1, 2);
}

at::Tensor attend(const at::Tensor& queries, at::Tensor keys, at::Tensor values, const ForwardContext& context,
                  const LayerMemory& memory) {
  if (memory.cached_keys != nullptr) {
    if (memory.cached_keys->defined()) {
      keys = at::cat({*memory.cached_keys, keys}, 2);
      values = at::cat({*memory.cached_values, values}, 2);
    }
    *memory.cached_keys = keys;
    *memory.cached_values = values;
  }
  keys = with_prefix(memory.prefix_keys, keys);
  values = with_prefix(memory.prefix_values, values);

  std::optional<at::Tensor> allowed;
  if (context.pattern.allowed.defined()) allowed = context.pattern.allowed;
  const std::int64_t head_dim = queries.size(3);
  const at::Tensor attended = at::scaled_dot_product_attention(
      queries, keys, values, allowed, /*dropout_p=*/0.0, context.pattern.is_causal,
      /*scale=*/std::pow(static_cast<double>(head_dim), -0.5), /*enable_gqa=*/queries.size(1) != keys.size(1));
  return attended.transpose(1, 2).reshape({queries.size(0), queries.size(2), queries.size(1) * head_dim});
}

at::Tensor SelfAttention::forward(const at::Tensor& hidden, const ForwardContext& context,
                                  const LayerMemory& memory) const {
  const at::Tensor queries = context.rotary.rotate(heads(q_proj, hidden, num_heads_, q_norm), context.angles);
  const at::Tensor keys = context.rotary.rotate(heads(k_proj, hidden, num_kv_heads_, k_norm), context.angles);
  const at::Tensor values = heads(v_proj, hidden, num_kv_heads_, at::Tensor());
  return o_proj.forward(attend(queries, keys, values, context, memory));
}

}  // namespace tp::decoder
