#pragma once
// The eval loss over held-out samples, as HF Trainer.evaluate reports it.
#include <cstdint>
#include <span>

#include "tunepipe/causal_lm.hpp"
#include "tunepipe/ranks.hpp"
#include "tunepipe/sample.hpp"

namespace tp::training {

// In file order, batches of `batch_size` rows: each batch's loss is the mean
// over its trained positions, and the eval loss their mean weighted by rows.
// This returns the weighted sum of the batches one rank of `ranks` takes
// (Ranks::takes): summed over the ranks and divided by
// the rows, it is the eval loss. Runs without autograd; the caller switches
// dropout off.
double eval_loss_share(const CausalLM& model, std::span<const TokenizedSample> samples, std::int64_t batch_size,
                       std::int64_t pad_id, std::int64_t chunk_rows, const Ranks& ranks);

}  // namespace tp::training
