#include "tunepipe/causal_lm_loss.hpp"

#include <torch/csrc/autograd/autograd.h>
#include <torch/csrc/autograd/custom_function.h>

#include <algorithm>

#include "tunepipe/sample_batch.hpp"

#include "tunepipe/sample.hpp"

namespace tp {
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

std::vector<BatchNll> batch_nll(const CausalLM& model, std::span<const TokenizedSample> samples,
                                std::int64_t batch_size, std::int64_t pad_id, std::int64_t chunk_rows) {
  const at::NoGradGuard no_grad;
  std::vector<std::int64_t> order(samples.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = static_cast<std::int64_t>(i);
  std::vector<BatchNll> batches;
  for (std::size_t begin = 0; begin < order.size(); begin += static_cast<std::size_t>(batch_size)) {
    const std::size_t count = std::min(order.size() - begin, static_cast<std::size_t>(batch_size));
    const Batch batch = make_batch(samples, std::span(order).subspan(begin, count), pad_id);
    BatchNll nll{0.0, batch.targets, static_cast<std::int64_t>(count)};
    if (batch.targets > 0) {
      ForwardInput input;
      input.input_ids = batch.input_ids;
      nll.sum = causal_lm_loss(model, model.hidden_states(input), batch.labels, /*divisor=*/1.0, chunk_rows)
                    .item<double>();
    }
    batches.push_back(nll);
  }
  return batches;
}

}  // namespace tp
