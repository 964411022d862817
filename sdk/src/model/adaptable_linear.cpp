#include "tunepipe/adaptable_linear.hpp"

#include <ATen/ATen.h>

#include "tunepipe/linear.hpp"

namespace tp {

AdaptableLinear::AdaptableLinear(at::Tensor weight, at::Tensor bias) : weight_(std::move(weight)), bias_(std::move(bias)) {}

at::Tensor AdaptableLinear::forward(const at::Tensor& x) const {
  at::Tensor y = tp::linear(x, weight_, bias_);
  if (deltas_.empty()) return y;
  // Deltas are summed in fp32 and the result rounded once, as peft does for
  // fp32 adapters over bf16/fp16 weights.
  const at::ScalarType dtype = y.scalar_type();
  at::Tensor sum = dtype == at::kFloat ? y : y.to(at::kFloat);
  for (const auto& delta : deltas_) sum = sum + delta->delta(x);
  return dtype == at::kFloat ? sum : sum.to(dtype);
}

void AdaptableLinear::attach(std::shared_ptr<LinearDelta> delta) { deltas_.push_back(std::move(delta)); }

void AdaptableLinear::detach_all() { deltas_.clear(); }

std::int64_t AdaptableLinear::in_features() const { return weight_.size(1); }

std::int64_t AdaptableLinear::out_features() const { return weight_.size(0); }

}  // namespace tp
