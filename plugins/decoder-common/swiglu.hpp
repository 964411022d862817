#pragma once
// silu(gate) · up, the SwiGLU activation of the decoder MLP. Under autograd it
// keeps only gate and up for backward and recomputes silu(gate) there: one
// [tokens, intermediate] tensor less per layer than plain autograd keeps,
// with gradients bit-for-bit equal.
#include <ATen/core/Tensor.h>

namespace tp::decoder {

at::Tensor swiglu(const at::Tensor& gate, const at::Tensor& up);

}  // namespace tp::decoder
