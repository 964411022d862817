#include "evaluation.hpp"

#include <algorithm>

#include "tunepipe/causal_lm_loss.hpp"

namespace tp::sft {

double eval_loss(const CausalLM& model, std::span<const TokenizedSample> samples, std::int64_t batch_size,
                 std::int64_t pad_id, std::int64_t chunk_rows) {
  // transformers' eval_loss: each batch's mean loss, weighted by its rows
  double weighted = 0.0;
  for (const BatchNll& batch : batch_nll(model, samples, batch_size, pad_id, chunk_rows))
    weighted += batch.sum / static_cast<double>(std::max<std::int64_t>(batch.tokens, 1)) * static_cast<double>(batch.rows);
  return samples.empty() ? 0.0 : weighted / static_cast<double>(samples.size());
}

}  // namespace tp::sft
