#pragma once
// The negative log-likelihood a model gives the trained tokens of samples.
#include <cstdint>
#include <span>

#include "tunepipe/causal_lm.hpp"
#include "tunepipe/sample.hpp"

namespace tp::evaluators {

struct TokenNll {
  double sum = 0.0;        // over the predicted tokens, in nats
  std::int64_t tokens = 0;  // predicted tokens: positions whose next label is not -100
  double mean() const { return tokens == 0 ? 0.0 : sum / static_cast<double>(tokens); }
};

// In file order, `batch_size` samples at a time (right-padded), the summed
// cross-entropy of fp32 logits over the positions the trainer's loss uses,
// with vocabulary logits for at most `chunk_rows` positions at once. Runs
// without autograd, with the model as it is (adapter switched by the caller).
TokenNll token_nll(const CausalLM& model, std::span<const TokenizedSample> samples, std::int64_t batch_size,
                   std::int64_t pad_id, std::int64_t chunk_rows);

}  // namespace tp::evaluators
