#pragma once
// bf16 × fp32 products computed in fp32, for CPUs whose ATen bf16 matmul is
// emulated (no AVX512-BF16 / AMX): there the emulation is slower than fp32
// arithmetic on the widened values.
#include <ATen/core/Tensor.h>

namespace tp::bf16 {

// Whether x · weightᵀ should take the kernels below: both bf16 on a CPU without
// native bf16 matmul. TUNEPIPE_BF16_KERNELS=aten|widen forces the choice;
// any other value is an error naming the two.
bool widen_on_this_cpu(const at::Tensor& x, const at::Tensor& weight);

// x [..., in] (bf16) · weight [out, in] (bf16)ᵀ + bias (bf16, optional), accumulated
// in fp32 and rounded to bf16 once: a fused dot-product kernel for up to
// kMaxDotRows rows of x (decode), widened weight blocks and sgemm above.
at::Tensor linear(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias);

// grad [..., out] (bf16) · weight [out, in] (bf16) → [..., in], the input gradient of
// linear(), accumulated in fp32 and rounded once.
at::Tensor linear_input_grad(const at::Tensor& grad, const at::Tensor& weight);

inline constexpr std::int64_t kMaxDotRows = 4;

}  // namespace tp::bf16
