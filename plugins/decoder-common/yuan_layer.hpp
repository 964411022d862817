#pragma once
// A Yuan2 decoder layer (YuanForCausalLM): values from the normalised input,
// queries and keys from its LocalizedFiltering; q_proj's and k_proj's outputs
// side by side hold, head after head, one head's query then its key. RoPE on
// both halves, then the shared attention and a SwiGLU MLP whose activation
// takes up_proj's output.
#include <ATen/ATen.h>

#include <string>

#include "decoder_block.hpp"
#include "decoder_layer.hpp"
#include "localized_filtering.hpp"

namespace tp::decoder {

class YuanLayer : public DecoderBlock {
 public:
  YuanLayer(const DecoderConfig& config, const WeightLoader& weights, std::int64_t index);
  at::Tensor forward(const at::Tensor& hidden, const ForwardContext& context, const LayerMemory& memory) const override;
  void add_adaptable_linears(std::vector<std::pair<std::string, AdaptableLinear*>>& linears) override;
  void add_named_weights(std::vector<std::pair<std::string, at::Tensor>>& weights) const override;

 private:
  at::Tensor attention(const at::Tensor& normed, const ForwardContext& context, const LayerMemory& memory) const;

  std::string name_;  // "model.layers.<index>"
  at::Tensor input_layernorm_, post_attention_layernorm_;
  AdaptableLinear q_proj_, k_proj_, v_proj_, o_proj_;
  LocalizedFiltering lf_gate_;
  SwiGluMlp mlp_;
  std::int64_t num_heads_, head_dim_;
  double eps_;
};

}  // namespace tp::decoder
