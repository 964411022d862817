#include "decoder_block.hpp"

namespace tp::decoder {

void add_linear_weights(std::vector<std::pair<std::string, at::Tensor>>& weights, const std::string& module,
                        const AdaptableLinear& linear) {
  weights.emplace_back(module + ".weight", linear.weight());
  if (linear.bias().defined()) weights.emplace_back(module + ".bias", linear.bias());
}

}  // namespace tp::decoder
