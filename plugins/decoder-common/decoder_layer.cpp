#include "decoder_layer.hpp"

#include <fmt/format.h>

#include "rms_norm.hpp"
#include "swiglu.hpp"

namespace tp::decoder {

SwiGluMlp::SwiGluMlp(const DecoderConfig& config, const WeightLoader& weights, const std::string& prefix, bool bias,
                     bool silu_on_up)
    : gate_proj(weights.linear(prefix + ".gate_proj", config.intermediate_size, config.hidden_size, bias)),
      up_proj(weights.linear(prefix + ".up_proj", config.intermediate_size, config.hidden_size, bias)),
      down_proj(weights.linear(prefix + ".down_proj", config.hidden_size, config.intermediate_size, bias)),
      silu_on_up_(silu_on_up) {}

at::Tensor SwiGluMlp::forward(const at::Tensor& x) const {
  const at::Tensor gate = gate_proj.forward(x);
  const at::Tensor up = up_proj.forward(x);
  return down_proj.forward(silu_on_up_ ? swiglu(up, gate) : swiglu(gate, up));
}

void SwiGluMlp::add_adaptable_linears(const std::string& prefix,
                                      std::vector<std::pair<std::string, AdaptableLinear*>>& linears) {
  linears.insert(linears.end(), {{prefix + ".gate_proj", &gate_proj},
                                 {prefix + ".up_proj", &up_proj},
                                 {prefix + ".down_proj", &down_proj}});
}

void SwiGluMlp::add_named_weights(const std::string& prefix,
                                  std::vector<std::pair<std::string, at::Tensor>>& weights) const {
  add_linear_weights(weights, prefix + ".gate_proj", gate_proj);
  add_linear_weights(weights, prefix + ".up_proj", up_proj);
  add_linear_weights(weights, prefix + ".down_proj", down_proj);
}

DecoderLayer::DecoderLayer(const DecoderConfig& config, const LayerSettings& layers, const WeightLoader& weights,
                           std::int64_t index)
    : name(fmt::format("model.layers.{}", index)),
      input_layernorm(weights.load(name + ".input_layernorm.weight", {config.hidden_size})),
      post_attention_layernorm(weights.load(name + ".post_attention_layernorm.weight", {config.hidden_size})),
      self_attn(config, layers, weights, name + ".self_attn"),
      mlp(config, weights, name + ".mlp", layers.mlp_bias),
      eps_(config.rms_norm_eps) {}

at::Tensor DecoderLayer::forward(const at::Tensor& hidden, const ForwardContext& context,
                                 const LayerMemory& memory) const {
  const at::Tensor attended = hidden + self_attn.forward(rms_norm(hidden, input_layernorm, eps_), context, memory);
  return attended + mlp.forward(rms_norm(attended, post_attention_layernorm, eps_));
}

void DecoderLayer::add_adaptable_linears(std::vector<std::pair<std::string, AdaptableLinear*>>& linears) {
  const std::string attention = name + ".self_attn.";
  linears.insert(linears.end(), {{attention + "q_proj", &self_attn.q_proj},
                                 {attention + "k_proj", &self_attn.k_proj},
                                 {attention + "v_proj", &self_attn.v_proj},
                                 {attention + "o_proj", &self_attn.o_proj}});
  mlp.add_adaptable_linears(name + ".mlp", linears);
}

void DecoderLayer::add_named_weights(std::vector<std::pair<std::string, at::Tensor>>& weights) const {
  weights.emplace_back(name + ".input_layernorm.weight", input_layernorm);
  weights.emplace_back(name + ".post_attention_layernorm.weight", post_attention_layernorm);
  const std::string attention = name + ".self_attn.";
  add_linear_weights(weights, attention + "q_proj", self_attn.q_proj);
  add_linear_weights(weights, attention + "k_proj", self_attn.k_proj);
  add_linear_weights(weights, attention + "v_proj", self_attn.v_proj);
  add_linear_weights(weights, attention + "o_proj", self_attn.o_proj);
  if (self_attn.q_norm.defined()) {
    weights.emplace_back(attention + "q_norm.weight", self_attn.q_norm);
    weights.emplace_back(attention + "k_norm.weight", self_attn.k_norm);
  }
  mlp.add_named_weights(name + ".mlp", weights);
}

}  // namespace tp::decoder
