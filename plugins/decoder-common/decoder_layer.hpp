#pragma once
// One pre-norm decoder layer: x + attention(norm(x)), then + SwiGLU(norm(x)).
#include <ATen/ATen.h>

#include <string>

#include "self_attention.hpp"

namespace tp::decoder {

class SwiGluMlp {
 public:
  SwiGluMlp(const DecoderConfig& config, const WeightLoader& weights, const std::string& prefix);
  at::Tensor forward(const at::Tensor& x) const;  // down(silu(gate(x)) * up(x))

  AdaptableLinear gate_proj, up_proj, down_proj;
};

class DecoderLayer {
 public:
  DecoderLayer(const DecoderConfig& config, const WeightLoader& weights, std::int64_t index);
  at::Tensor forward(const at::Tensor& hidden, const ForwardContext& context, const LayerMemory& memory) const;

  std::string name;  // "model.layers.<index>"
  at::Tensor input_layernorm, post_attention_layernorm;
  SelfAttention self_attn;
  SwiGluMlp mlp;

 private:
  double eps_;
};

}  // namespace tp::decoder
