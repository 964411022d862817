#include "rotary_embedding.hpp"

#include <cmath>

#include "tunepipe/rope_factors.hpp"

namespace tp::decoder {
namespace {

at::Tensor default_inverse_frequencies(std::int64_t head_dim, double theta) {
  const at::Tensor exponents = at::arange(0, head_dim, 2, at::kLong).to(at::kFloat) / static_cast<double>(head_dim);
  return at::reciprocal(at::pow(theta, exponents));
}

at::Tensor rotate_halves(const at::Tensor& x) {
  const std::int64_t half = x.size(-1) / 2;
  return at::cat({-x.narrow(-1, half, half), x.narrow(-1, 0, half)}, -1);
}

// (x0, x1, x2, x3, …) → (-x1, x0, -x3, x2, …)
at::Tensor rotate_pairs(const at::Tensor& x) {
  using at::indexing::Slice;
  const at::Tensor even = x.index({"...", Slice(0, at::indexing::None, 2)});
  const at::Tensor odd = x.index({"...", Slice(1, at::indexing::None, 2)});
  return at::stack({-odd, even}, -1).flatten(-2);
}

}  // namespace

RotaryEmbedding::RotaryEmbedding(const DecoderConfig& config, bool interleaved, const at::Device& device)
    : interleaved_(interleaved) {
  at::Tensor frequencies = default_inverse_frequencies(config.head_dim, config.rope_theta);
  if (config.rope_scaling.type == "linear") frequencies = frequencies / config.rope_scaling.factor;
  if (config.rope_scaling.type == "llama3")
    frequencies = frequencies / at::tensor(llama3_rope_factors(config.rope_scaling, config.head_dim, config.rope_theta),
                                           at::kDouble)
                                    .to(at::kFloat);
  inverse_frequencies_ = frequencies.to(device);
}

RotaryAngles RotaryEmbedding::angles(const at::Tensor& position_ids, at::ScalarType dtype) const {
  const at::Tensor frequencies = position_ids.unsqueeze(-1).to(at::kFloat) * inverse_frequencies_;
  if (interleaved_) {
    const at::Tensor paired = frequencies.repeat_interleave(2, -1);
    return {paired.cos().unsqueeze(1), paired.sin().unsqueeze(1)};
  }
  const at::Tensor doubled = at::cat({frequencies, frequencies}, -1);
  return {doubled.cos().to(dtype).unsqueeze(1), doubled.sin().to(dtype).unsqueeze(1)};
}

at::Tensor RotaryEmbedding::rotate(const at::Tensor& x, const RotaryAngles& angles) const {
  if (!interleaved_) return x * angles.cos + rotate_halves(x) * angles.sin;
  const at::Tensor rotated = x.to(at::kFloat) * angles.cos + rotate_pairs(x).to(at::kFloat) * angles.sin;
  return rotated.to(x.scalar_type());
}

}  // namespace tp::decoder
