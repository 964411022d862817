#include "token_nll.hpp"

#include <ATen/core/grad_mode.h>

#include <algorithm>
#include <numeric>
#include <vector>

// The sft trainer's batching and chunked loss, so that perplexity and the
// trainer's eval/loss count exactly the same positions the same way.
#include "batching.hpp"
#include "loss.hpp"

namespace tp::evaluators {

TokenNll token_nll(const CausalLM& model, std::span<const TokenizedSample> samples, std::int64_t batch_size,
                   std::int64_t pad_id, std::int64_t chunk_rows) {
  const at::NoGradGuard no_grad;
  std::vector<std::int64_t> order(samples.size());
  std::iota(order.begin(), order.end(), 0);
  TokenNll total;
  for (std::size_t begin = 0; begin < order.size(); begin += static_cast<std::size_t>(batch_size)) {
    const std::size_t count = std::min(order.size() - begin, static_cast<std::size_t>(batch_size));
    const sft::Batch batch = sft::make_batch(samples, std::span(order).subspan(begin, count), pad_id);
    if (batch.targets == 0) continue;
    ForwardInput input;
    input.input_ids = batch.input_ids;
    const at::Tensor hidden = model.hidden_states(input);
    total.sum += sft::causal_lm_loss(model, hidden, batch.labels, /*divisor=*/1.0, chunk_rows).item<double>();
    total.tokens += batch.targets;
  }
  return total;
}

}  // namespace tp::evaluators
