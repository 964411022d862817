#pragma once
// One projection's LoRA update: scaling · B · A · dropout(x), computed in fp32
// whatever the dtype of the frozen weights.
#include <ATen/ATen.h>

#include "tunepipe/adaptable_linear.hpp"

namespace tp::lora {

class LoraDelta : public LinearDelta {
 public:
  // a [r, in] and b [out, r]: fp32 leaves that require grad.
  LoraDelta(at::Tensor a, at::Tensor b, double scaling, double dropout);

  at::Tensor delta(const at::Tensor& x) const override;
  at::Tensor merged_weight_delta() const override;  // scaling · B · A, fp32

  void set_training(bool training) { training_ = training; }
  const at::Tensor& a() const { return a_; }
  const at::Tensor& b() const { return b_; }

 private:
  at::Tensor a_, b_;
  double scaling_;
  double dropout_;
  bool training_ = false;
};

}  // namespace tp::lora
