#include "decoder_layer.hpp"

#include <fmt/format.h>

#include "rms_norm.hpp"
#include "swiglu.hpp"

namespace tp::decoder {

SwiGluMlp::SwiGluMlp(const DecoderConfig& config, const WeightLoader& weights, const std::string& prefix)
    : gate_proj(weights.linear(prefix + ".gate_proj", config.intermediate_size, config.hidden_size, config.mlp_bias)),
      up_proj(weights.linear(prefix + ".up_proj", config.intermediate_size, config.hidden_size, config.mlp_bias)),
      down_proj(weights.linear(prefix + ".down_proj", config.hidden_size, config.intermediate_size, config.mlp_bias)) {}

at::Tensor SwiGluMlp::forward(const at::Tensor& x) const {
  return down_proj.forward(swiglu(gate_proj.forward(x), up_proj.forward(x)));
}

DecoderLayer::DecoderLayer(const DecoderConfig& config, const WeightLoader& weights, std::int64_t index)
    : name(fmt::format("model.layers.{}", index)),
      input_layernorm(weights.load(name + ".input_layernorm.weight", {config.hidden_size})),
      post_attention_layernorm(weights.load(name + ".post_attention_layernorm.weight", {config.hidden_size})),
      self_attn(config, weights, name + ".self_attn"),
      mlp(config, weights, name + ".mlp"),
      eps_(config.rms_norm_eps) {}

at::Tensor DecoderLayer::forward(const at::Tensor& hidden, const ForwardContext& context,
                                 const LayerMemory& memory) const {
  const at::Tensor attended = hidden + self_attn.forward(rms_norm(hidden, input_layernorm, eps_), context, memory);
  return attended + mlp.forward(rms_norm(attended, post_attention_layernorm, eps_));
}

}  // namespace tp::decoder
