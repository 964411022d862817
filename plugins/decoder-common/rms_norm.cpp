#include "rms_norm.hpp"

namespace tp::decoder {

at::Tensor rms_norm(const at::Tensor& x, const at::Tensor& weight, double eps) {
  const at::Tensor wide = x.to(at::kFloat);
  const at::Tensor normalised = wide * at::rsqrt(wide.pow(2).mean(-1, /*keepdim=*/true) + eps);
  return weight * normalised.to(x.scalar_type());
}

}  // namespace tp::decoder
