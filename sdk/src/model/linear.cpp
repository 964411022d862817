#include "tunepipe/linear.hpp"

#include <ATen/ATen.h>
#include <torch/csrc/autograd/custom_function.h>

#include "bf16_kernels.hpp"

namespace tp {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// The frozen bias travels outside autograd's tensor arguments, which must all be defined.
struct FrozenBias {
  at::Tensor tensor;
};

// Keeps the bf16 weight (not a widened copy) for the backward pass.
class WidenedLinear : public torch::autograd::Function<WidenedLinear> {
 public:
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& x, const at::Tensor& weight,
                            const FrozenBias& bias) {
    ctx->save_for_backward({weight});
    return bf16::linear(x, weight, bias.tensor);
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    const at::Tensor weight = ctx->get_saved_variables()[0];
    return {bf16::linear_input_grad(grads[0], weight), at::Tensor(), at::Tensor()};
  }
};

}  // namespace

at::Tensor linear(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias) {
  if (!bf16::widen_on_this_cpu(x, weight)) return at::linear(x, weight, bias);
  const bool frozen = !weight.requires_grad() && !(bias.defined() && bias.requires_grad());
  if (!frozen && at::GradMode::is_enabled()) return at::linear(x, weight, bias);
  if (at::GradMode::is_enabled() && x.requires_grad()) return WidenedLinear::apply(x, weight, FrozenBias{bias});
  return bf16::linear(x, weight, bias);
}

}  // namespace tp
