#pragma once
// The frozen projection every decoder weight goes through: at::linear, except that
// bf16 on a CPU without native bf16 matmul is computed on fp32-widened weights
// (same fp32 accumulation and one rounding, several times faster than ATen's
// emulation there). Differentiable in x; a weight or bias that requires grad
// takes at::linear.
#include <ATen/core/Tensor.h>

namespace tp {

at::Tensor linear(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias = at::Tensor());

}  // namespace tp
