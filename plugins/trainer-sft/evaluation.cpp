#include "evaluation.hpp"

#include <ATen/core/grad_mode.h>

#include <algorithm>
#include <numeric>
#include <vector>

#include "batching.hpp"
#include "loss.hpp"

namespace tp::sft {

double eval_loss(const CausalLM& model, std::span<const TokenizedSample> samples, std::int64_t batch_size,
                 std::int64_t pad_id, std::int64_t chunk_rows) {
  const at::NoGradGuard no_grad;
  std::vector<std::int64_t> order(samples.size());
  std::iota(order.begin(), order.end(), 0);
  double weighted = 0.0;
  for (std::size_t begin = 0; begin < order.size(); begin += static_cast<std::size_t>(batch_size)) {
    const std::size_t count = std::min(order.size() - begin, static_cast<std::size_t>(batch_size));
    const Batch batch = make_batch(samples, std::span(order).subspan(begin, count), pad_id);
    ForwardInput input;
    input.input_ids = batch.input_ids;
    const at::Tensor hidden = model.hidden_states(input);
    const double divisor = static_cast<double>(std::max<std::int64_t>(batch.targets, 1));
    weighted += causal_lm_loss(model, hidden, batch.labels, divisor, chunk_rows).item<double>() * static_cast<double>(count);
  }
  return samples.empty() ? 0.0 : weighted / static_cast<double>(samples.size());
}

}  // namespace tp::sft
