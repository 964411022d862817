#include "tunepipe/adaptable_linear.hpp"

#include <ATen/ATen.h>

#include "tunepipe/linear.hpp"

namespace tp {

AdaptableLinear::AdaptableLinear(at::Tensor weight, at::Tensor bias) : weight_(std::move(weight)), bias_(std::move(bias)) {}

at::Tensor AdaptableLinear::forward(const at::Tensor& x) const {
  at::Tensor y = tp::linear(x, weight_, bias_);
  if (deltas_.empty()) return y;
  // Deltas are summed in fp32 and added to the product rounding once, as peft does for fp32 adapters over
  // bf16/fp16 weights (its bf16 + fp32 promotes, then rounds back); in place, so in one pass where the
  // device casts inside the kernel. The product is not needed by its backward.
  at::Tensor sum = deltas_.front()->delta(x);
  for (std::size_t i = 1; i < deltas_.size(); ++i) sum = sum + deltas_[i]->delta(x);
  return y.add_(sum);
}

void AdaptableLinear::attach(std::shared_ptr<LinearDelta> delta) { deltas_.push_back(std::move(delta)); }

void AdaptableLinear::detach_all() { deltas_.clear(); }

std::int64_t AdaptableLinear::in_features() const { return weight_.size(1); }

std::int64_t AdaptableLinear::out_features() const { return weight_.size(0); }

}  // namespace tp
