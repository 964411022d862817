#pragma once
// One layer of a decoder as DecoderCausalLM runs it: each family's layer
// (the Llama-like DecoderLayer, Yuan2's YuanLayer) is built from the shared
// blocks (attention, rotary, norms, MLP) and is checkpointed the same way.
#include <ATen/ATen.h>

#include <string>
#include <utility>
#include <vector>

#include "self_attention.hpp"
#include "tunepipe/adaptable_linear.hpp"

namespace tp::decoder {

class DecoderBlock {
 public:
  virtual ~DecoderBlock() = default;
  virtual at::Tensor forward(const at::Tensor& hidden, const ForwardContext& context,
                             const LayerMemory& memory) const = 0;
  // The projections adapters may target, by HF module name.
  virtual void add_adaptable_linears(std::vector<std::pair<std::string, AdaptableLinear*>>& linears) = 0;
  // Every weight, by HF tensor name, in the checkpoint's shapes.
  virtual void add_named_weights(std::vector<std::pair<std::string, at::Tensor>>& weights) const = 0;
};

// "<module>.weight" (and "<module>.bias" when it has one).
void add_linear_weights(std::vector<std::pair<std::string, at::Tensor>>& weights, const std::string& module,
                        const AdaptableLinear& linear);

}  // namespace tp::decoder
