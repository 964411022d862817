#include "tunepipe/adaptable_linear.hpp"

#include <ATen/ATen.h>

namespace tp {

AdaptableLinear::AdaptableLinear(at::Tensor weight, at::Tensor bias) : weight_(std::move(weight)), bias_(std::move(bias)) {}

at::Tensor AdaptableLinear::forward(const at::Tensor& x) const {
  at::Tensor y = at::linear(x, weight_, bias_);
  for (const auto& delta : deltas_) y = y + delta->delta(x);
  return y;
}

void AdaptableLinear::attach(std::shared_ptr<LinearDelta> delta) { deltas_.push_back(std::move(delta)); }

void AdaptableLinear::detach_all() { deltas_.clear(); }

std::int64_t AdaptableLinear::in_features() const { return weight_.size(1); }

std::int64_t AdaptableLinear::out_features() const { return weight_.size(0); }

}  // namespace tp
