#include "lora_delta.hpp"

#include <torch/csrc/autograd/custom_function.h>

namespace tp::lora {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// scaling · dropout(x) · Aᵀ · Bᵀ in fp32 for x of any float dtype, as peft computes it (input and adapter in
// fp32). Plain autograd would keep the fp32 copy of x of every adapted projection for the backward (four
// bytes per element, and q, k and v each their own); this keeps x as it came (shared with the frozen
// product) and the dropout mask, and widens x again in the backward.
class LoraProduct : public torch::autograd::Function<LoraProduct> {
 public:
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& x, const at::Tensor& a, const at::Tensor& b,
                            double scaling, double dropout) {
    at::Tensor wide = x.to(at::kFloat);
    at::Tensor mask;
    if (dropout > 0.0) std::tie(wide, mask) = at::native_dropout(wide, dropout, /*train=*/true);
    const at::Tensor h = at::matmul(wide, a.t()).mul_(scaling);  // [..., r]
    ctx->save_for_backward({x, a, b, h, mask.defined() ? mask : at::Tensor()});
    ctx->saved_data["dropout"] = dropout;
    ctx->saved_data["scaling"] = scaling;
    return at::matmul(h, b.t());
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const at::Tensor& x = saved[0];
    const at::Tensor& a = saved[1];
    const at::Tensor& b = saved[2];
    const at::Tensor& h = saved[3];
    const at::Tensor& mask = saved[4];
    const double dropout = ctx->saved_data["dropout"].toDouble();
    const double scaling = ctx->saved_data["scaling"].toDouble();
    const std::int64_t rank = a.size(0), in = a.size(1), out = b.size(0);

    const at::Tensor grad = grads[0].reshape({-1, out}).to(at::kFloat);
    const at::Tensor rows_h = h.reshape({-1, rank});
    at::Tensor grad_a, grad_b, grad_x;
    // Weight gradients as [r, rows] · [rows, n] products: reading the long operand along its rows is the
    // faster orientation for a handful of output columns.
    if (ctx->needs_input_grad(2)) grad_b = at::mm(rows_h.t(), grad).t().contiguous();
    const at::Tensor grad_h = at::mm(grad, b).mul_(scaling);  // [rows, r]
    if (ctx->needs_input_grad(1)) {
      at::Tensor wide = x.reshape({-1, in}).to(at::kFloat);
      if (mask.defined()) wide = at::native_dropout_backward(wide, mask.reshape({-1, in}), 1.0 / (1.0 - dropout));
      grad_a = at::mm(grad_h.t(), wide);
    }
    if (ctx->needs_input_grad(0)) {
      at::Tensor wide_grad = at::mm(grad_h, a);
      if (mask.defined())
        wide_grad = at::native_dropout_backward(wide_grad, mask.reshape({-1, in}), 1.0 / (1.0 - dropout));
      grad_x = wide_grad.to(x.scalar_type()).view(x.sizes());
    }
    return {grad_x, grad_a, grad_b, at::Tensor(), at::Tensor()};
  }
};

}  // namespace

LoraDelta::LoraDelta(at::Tensor a, at::Tensor b, double scaling, double dropout)
    : a_(std::move(a)), b_(std::move(b)), scaling_(scaling), dropout_(dropout) {}

at::Tensor LoraDelta::delta(const at::Tensor& x) const {
  const double dropout = training_ ? dropout_ : 0.0;
  if (at::GradMode::is_enabled()) return LoraProduct::apply(x, a_, b_, scaling_, dropout);
  at::Tensor h = x.to(at::kFloat);
  if (dropout > 0.0) h = at::dropout(h, dropout, /*train=*/true);
  return at::linear(at::linear(h, a_).mul(scaling_), b_);  // scaled where the tensor is r wide
}

at::Tensor LoraDelta::merged_weight_delta() const { return at::matmul(b_, a_).mul(scaling_); }

}  // namespace tp::lora
