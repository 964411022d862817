#include "evaluation.hpp"

#include <algorithm>

#include "tunepipe/causal_lm_loss.hpp"

namespace tp::training {

double eval_loss_share(const CausalLM& model, std::span<const TokenizedSample> samples, std::int64_t batch_size,
                       std::int64_t pad_id, std::int64_t chunk_rows, const Ranks& ranks) {
  // transformers' eval_loss: each batch's mean loss, weighted by its rows
  double weighted = 0.0;
  const auto rows = static_cast<std::int64_t>(samples.size());
  for (std::int64_t first = 0; first < rows; first += batch_size) {
    if (!ranks.takes(first / batch_size)) continue;
    const auto batch = samples.subspan(static_cast<std::size_t>(first),
                                       static_cast<std::size_t>(std::min(batch_size, rows - first)));
    for (const BatchNll& nll : batch_nll(model, batch, batch_size, pad_id, chunk_rows))
      weighted += nll.sum / static_cast<double>(std::max<std::int64_t>(nll.tokens, 1)) * static_cast<double>(nll.rows);
  }
  return weighted;
}

}  // namespace tp::training
