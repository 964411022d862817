#pragma once
#include <ATen/ATen.h>

namespace tp::decoder {

// RMSNorm over the last dimension, normalised in float32 and cast back before
// the weight is applied, as transformers does (the product takes the weight's dtype).
at::Tensor rms_norm(const at::Tensor& x, const at::Tensor& weight, double eps);

}  // namespace tp::decoder
