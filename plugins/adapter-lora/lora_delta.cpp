#include "lora_delta.hpp"

namespace tp::lora {

LoraDelta::LoraDelta(at::Tensor a, at::Tensor b, double scaling, double dropout)
    : a_(std::move(a)), b_(std::move(b)), scaling_(scaling), dropout_(dropout) {}

at::Tensor LoraDelta::delta(const at::Tensor& x) const {
  at::Tensor h = x.to(at::kFloat);
  if (training_ && dropout_ > 0.0) h = at::dropout(h, dropout_, /*train=*/true);
  return at::linear(at::linear(h, a_).mul(scaling_), b_);  // scaled where the tensor is r wide
}

at::Tensor LoraDelta::merged_weight_delta() const { return at::matmul(b_, a_).mul(scaling_); }

}  // namespace tp::lora
