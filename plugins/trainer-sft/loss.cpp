#include "loss.hpp"

#include <torch/csrc/autograd/autograd.h>
#include <torch/csrc/autograd/custom_function.h>

#include "tunepipe/sample.hpp"

namespace tp::sft {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

at::Tensor chunk_loss(const CausalLM& model, const at::Tensor& hidden, const at::Tensor& targets, double divisor) {
  const at::Tensor logits = model.lm_head(hidden).to(at::kFloat);
  return at::cross_entropy_loss(logits, targets, std::nullopt, at::Reduction::Sum, kIgnoreLabel) / divisor;
}

class ChunkedCrossEntropy : public torch::autograd::Function<ChunkedCrossEntropy> {
 public:
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& hidden, const at::Tensor& targets,
                            const CausalLM* model, double divisor, std::int64_t chunk_rows) {
    const bool needs_grad = hidden.requires_grad();
    at::Tensor total = at::zeros({}, hidden.options().dtype(at::kFloat));
    at::Tensor grad_hidden = needs_grad ? at::empty_like(hidden) : at::Tensor();
    for (std::int64_t begin = 0; begin < hidden.size(0); begin += chunk_rows) {
      const std::int64_t end = std::min(hidden.size(0), begin + chunk_rows);
      const at::Tensor rows = hidden.slice(0, begin, end);
      const at::Tensor chunk_targets = targets.slice(0, begin, end);
      if (!needs_grad) {
        total += chunk_loss(*model, rows, chunk_targets, divisor);
        continue;
      }
      const at::AutoGradMode grad_mode(true);
      const at::Tensor leaf = rows.detach().requires_grad_(true);
      const at::Tensor loss = chunk_loss(*model, leaf, chunk_targets, divisor);
      grad_hidden.slice(0, begin, end).copy_(torch::autograd::grad({loss}, {leaf})[0]);
      total += loss.detach();
    }
    ctx->save_for_backward({grad_hidden});
    return total;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grad_outputs) {
    const at::Tensor grad_hidden = ctx->get_saved_variables()[0];
    return {grad_hidden * grad_outputs[0], at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor()};
  }
};

}  // namespace

at::Tensor causal_lm_loss(const CausalLM& model, const at::Tensor& hidden, const at::Tensor& labels, double divisor,
                          std::int64_t chunk_rows) {
  // Position t predicts label t + 1; the last position predicts nothing.
  const at::Tensor next = at::constant_pad_nd(labels.to(hidden.device()), {0, 1}, kIgnoreLabel).slice(1, 1).reshape(-1);
  const at::Tensor trained = at::nonzero(next != kIgnoreLabel).squeeze(1);
  const at::Tensor rows = hidden.reshape({-1, hidden.size(-1)}).index_select(0, trained);
  return ChunkedCrossEntropy::apply(rows, next.index_select(0, trained), &model, divisor, chunk_rows);
}

}  // namespace tp::sft
