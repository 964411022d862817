#include "yuan_layer.hpp"

#include <fmt/format.h>

#include "rms_norm.hpp"

namespace tp::decoder {

YuanLayer::YuanLayer(const DecoderConfig& config, const WeightLoader& weights, std::int64_t index)
    : name_(fmt::format("model.layers.{}", index)),
      input_layernorm_(weights.load(name_ + ".input_layernorm.weight", {config.hidden_size})),
      post_attention_layernorm_(weights.load(name_ + ".post_attention_layernorm.weight", {config.hidden_size})),
      q_proj_(weights.linear(name_ + ".self_attn.q_proj", config.hidden_size, config.hidden_size, false)),
      k_proj_(weights.linear(name_ + ".self_attn.k_proj", config.hidden_size, config.hidden_size, false)),
      v_proj_(weights.linear(name_ + ".self_attn.v_proj", config.hidden_size, config.hidden_size, false)),
      o_proj_(weights.linear(name_ + ".self_attn.o_proj", config.hidden_size, config.hidden_size, false)),
      lf_gate_(config, weights, name_ + ".self_attn.lf_gate"),
      mlp_(config, weights, name_ + ".mlp", /*bias=*/false, /*silu_on_up=*/true),
      num_heads_(config.num_heads),
      head_dim_(config.head_dim),
      eps_(config.rms_norm_eps) {}

at::Tensor YuanLayer::attention(const at::Tensor& normed, const ForwardContext& context,
                                const LayerMemory& memory) const {
  const std::int64_t batch = normed.size(0), tokens = normed.size(1);
  at::Tensor* filter_memory = nullptr;
  if (memory.state != nullptr) filter_memory = &(*memory.state)[name_ + ".self_attn.lf_gate"];
  const at::Tensor filtered = lf_gate_.forward(normed, context.real_tokens, filter_memory);
  const at::Tensor pairs = at::cat({q_proj_.forward(filtered), k_proj_.forward(filtered)}, -1)
                               .view({batch, tokens, num_heads_, 2, head_dim_});
  const at::Tensor queries = context.rotary.rotate(pairs.select(3, 0).transpose(1, 2), context.angles);
  const at::Tensor keys = context.rotary.rotate(pairs.select(3, 1).transpose(1, 2), context.angles);
  const at::Tensor values = v_proj_.forward(normed).view({batch, tokens, num_heads_, head_dim_}).transpose(1, 2);
  return o_proj_.forward(attend(queries, keys, values, context, memory));
}

at::Tensor YuanLayer::forward(const at::Tensor& hidden, const ForwardContext& context,
                              const LayerMemory& memory) const {
  const at::Tensor attended = hidden + attention(rms_norm(hidden, input_layernorm_, eps_), context, memory);
  return attended + mlp_.forward(rms_norm(attended, post_attention_layernorm_, eps_));
}

void YuanLayer::add_adaptable_linears(std::vector<std::pair<std::string, AdaptableLinear*>>& linears) {
  const std::string attention = name_ + ".self_attn.";
  linears.insert(linears.end(), {{attention + "q_proj", &q_proj_},
                                 {attention + "k_proj", &k_proj_},
                                 {attention + "v_proj", &v_proj_},
                                 {attention + "o_proj", &o_proj_}});
  mlp_.add_adaptable_linears(name_ + ".mlp", linears);
}

void YuanLayer::add_named_weights(std::vector<std::pair<std::string, at::Tensor>>& weights) const {
  weights.emplace_back(name_ + ".input_layernorm.weight", input_layernorm_);
  weights.emplace_back(name_ + ".post_attention_layernorm.weight", post_attention_layernorm_);
  const std::string attention = name_ + ".self_attn.";
  add_linear_weights(weights, attention + "q_proj", q_proj_);
  add_linear_weights(weights, attention + "k_proj", k_proj_);
  add_linear_weights(weights, attention + "v_proj", v_proj_);
  add_linear_weights(weights, attention + "o_proj", o_proj_);
  lf_gate_.add_named_weights(weights);
  mlp_.add_named_weights(name_ + ".mlp", weights);
}

}  // namespace tp::decoder
