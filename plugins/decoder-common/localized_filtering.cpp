#include "localized_filtering.hpp"

#include "rms_norm.hpp"
#include "tunepipe/linear.hpp"

namespace tp::decoder {
namespace {

// [out, in, 2, 1] (tap 0 reads the previous token) → [out, 2 × in].
at::Tensor side_by_side(const at::Tensor& kernel) {
  return at::cat({kernel.select(3, 0).select(2, 0), kernel.select(3, 0).select(2, 1)}, 1).contiguous();
}

// The inverse, as a view: [out, 2 × in] → [out, in, 2, 1].
at::Tensor as_kernel(const at::Tensor& taps) {
  return taps.view({taps.size(0), 2, taps.size(1) / 2}).permute({0, 2, 1}).unsqueeze(-1);
}

// Each time step with the one before it, [batch, steps + 1, width] → [batch, steps, 2 × width].
at::Tensor with_previous(const at::Tensor& x, std::int64_t steps) {
  return at::cat({x.narrow(1, 0, steps), x.narrow(1, 1, steps)}, -1);
}

// The reference normalises the filter's output with eps 1e-6 whatever the config's rms_norm_eps.
constexpr double kOutputNormEps = 1e-6;

}  // namespace

LocalizedFiltering::LocalizedFiltering(const DecoderConfig& config, const WeightLoader& weights,
                                       const std::string& prefix)
    : prefix_(prefix),
      conv1_(side_by_side(weights.load(prefix + ".conv1.weight", {config.hidden_size / 2, config.hidden_size, 2, 1}))),
      conv1_bias_(weights.load(prefix + ".conv1.bias", {config.hidden_size / 2})),
      conv2_(side_by_side(weights.load(prefix + ".conv2.weight", {config.hidden_size, config.hidden_size / 2, 2, 1}))),
      conv2_bias_(weights.load(prefix + ".conv2.bias", {config.hidden_size})),
      output_layernorm_(weights.load(prefix + ".output_layernorm.weight", {config.hidden_size})) {}

at::Tensor LocalizedFiltering::forward(const at::Tensor& hidden, const at::Tensor& real_tokens,
                                       at::Tensor* memory) const {
  const std::int64_t batch = hidden.size(0), tokens = hidden.size(1);
  // Padding reads as the zeros before a sequence's first token, so a padded row filters as it would alone.
  const at::Tensor inputs = hidden * real_tokens.narrow(1, 1, tokens).unsqueeze(-1);
  const at::Tensor before = memory != nullptr && memory->defined()
                                ? *memory
                                : at::zeros({batch, 2, hidden.size(2)}, hidden.options());
  const at::Tensor extended = at::cat({before, inputs}, 1);  // from two steps before this forward's first token
  if (memory != nullptr) *memory = extended.narrow(1, tokens, 2);
  // The first convolution from the step before this forward's first token on; where that step is padding or
  // does not exist, the second convolution reads zeros there, as its own zero padding.
  const at::Tensor first =
      tp::linear(with_previous(extended, tokens + 1), conv1_, conv1_bias_) * real_tokens.unsqueeze(-1);
  const at::Tensor second = tp::linear(with_previous(first, tokens), conv2_, conv2_bias_);
  return rms_norm(second + hidden, output_layernorm_, kOutputNormEps);
}

void LocalizedFiltering::add_named_weights(std::vector<std::pair<std::string, at::Tensor>>& weights) const {
  weights.emplace_back(prefix_ + ".conv1.weight", as_kernel(conv1_));
  weights.emplace_back(prefix_ + ".conv1.bias", conv1_bias_);
  weights.emplace_back(prefix_ + ".conv2.weight", as_kernel(conv2_));
  weights.emplace_back(prefix_ + ".conv2.bias", conv2_bias_);
  weights.emplace_back(prefix_ + ".output_layernorm.weight", output_layernorm_);
}

}  // namespace tp::decoder
