#pragma once
// One pre-norm decoder layer: x + attention(norm(x)), then + SwiGLU(norm(x)).
#include <ATen/ATen.h>

#include <string>

#include "decoder_block.hpp"
#include "self_attention.hpp"

namespace tp::decoder {

class SwiGluMlp {
 public:
  // `silu_on_up`: the activation takes up_proj's output instead of gate_proj's (Yuan2).
  SwiGluMlp(const DecoderConfig& config, const WeightLoader& weights, const std::string& prefix, bool bias,
            bool silu_on_up = false);
  at::Tensor forward(const at::Tensor& x) const;  // down(silu(gate(x)) * up(x))
  void add_adaptable_linears(const std::string& prefix, std::vector<std::pair<std::string, AdaptableLinear*>>& linears);
  void add_named_weights(const std::string& prefix, std::vector<std::pair<std::string, at::Tensor>>& weights) const;

  AdaptableLinear gate_proj, up_proj, down_proj;

 private:
  bool silu_on_up_;
};

class DecoderLayer : public DecoderBlock {
 public:
  DecoderLayer(const DecoderConfig& config, const LayerSettings& layers, const WeightLoader& weights,
               std::int64_t index);
  at::Tensor forward(const at::Tensor& hidden, const ForwardContext& context, const LayerMemory& memory) const override;
  void add_adaptable_linears(std::vector<std::pair<std::string, AdaptableLinear*>>& linears) override;
  void add_named_weights(std::vector<std::pair<std::string, at::Tensor>>& weights) const override;

  std::string name;  // "model.layers.<index>"
  at::Tensor input_layernorm, post_attention_layernorm;
  SelfAttention self_attn;
  SwiGluMlp mlp;

 private:
  double eps_;
};

}  // namespace tp::decoder
