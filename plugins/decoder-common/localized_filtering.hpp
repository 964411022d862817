#pragma once
// Yuan2's LocalizedFiltering: two causal convolutions over the sequence (each
// output mixes a token with the one before it), then an RMSNorm of their
// output plus the input. Decoding keeps each layer's last two inputs.
#include <ATen/ATen.h>

#include <string>
#include <utility>
#include <vector>

#include "tunepipe/causal_lm.hpp"
#include "weight_loader.hpp"

namespace tp::decoder {

class LocalizedFiltering {
 public:
  // `prefix`: the module's HF name, "model.layers.<i>.self_attn.lf_gate".
  LocalizedFiltering(const DecoderConfig& config, const WeightLoader& weights, const std::string& prefix);

  // hidden [batch, tokens, hidden_size]; real_tokens [batch, 1 + tokens] (ForwardContext::real_tokens);
  // memory: the layer's last two inputs, read and replaced when given (undefined at the start).
  at::Tensor forward(const at::Tensor& hidden, const at::Tensor& real_tokens, at::Tensor* memory) const;
  void add_named_weights(std::vector<std::pair<std::string, at::Tensor>>& weights) const;

 private:
  std::string prefix_;
  // Each convolution's two taps side by side, [out, 2 × in]: (previous token, this token) in one product, as
  // the kernel-(2, 1) convolution sums them.
  at::Tensor conv1_, conv1_bias_, conv2_, conv2_bias_;
  at::Tensor output_layernorm_;
};

}  // namespace tp::decoder
