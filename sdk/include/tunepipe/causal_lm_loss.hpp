#pragma once
// The causal language-modelling loss as transformers computes it (labels
// shifted left, -100 ignored, cross-entropy of fp32 logits), summed over the
// trained positions and divided by a given count, without ever holding the
// logits of every position at once.
#include <ATen/ATen.h>

#include <cstdint>
#include <span>
#include <vector>

#include "tunepipe/causal_lm.hpp"
#include "tunepipe/sample.hpp"

namespace tp {

// `hidden` [batch, tokens, hidden] from model.hidden_states; `labels` [batch,
// tokens]. `divisor` is the number of trained positions the loss is a mean
// over: the whole optimizer step's with gradient accumulation (transformers'
// num_items_in_batch), so the micro-batch losses add up to the step's mean.
// Logits are computed for at most `chunk_rows` trained positions at a time;
// with autograd on, each chunk's gradient is taken right away, so the
// backward only scales a [positions, hidden] tensor. The head (lm_head) is
// treated as frozen: no gradient reaches its weights.
at::Tensor causal_lm_loss(const CausalLM& model, const at::Tensor& hidden, const at::Tensor& labels, double divisor,
                          std::int64_t chunk_rows);

// The summed negative log-likelihood of one batch's trained positions.
struct BatchNll {
  double sum = 0.0;         // in nats
  std::int64_t tokens = 0;  // trained positions (the next label is not -100)
  std::int64_t rows = 0;
};

// In file order, `batch_size` samples at a time (right-padded with pad_id),
// without autograd, with the model as it is (adapter on or off by the caller):
// what eval loss and perplexity are computed from.
std::vector<BatchNll> batch_nll(const CausalLM& model, std::span<const TokenizedSample> samples,
                                std::int64_t batch_size, std::int64_t pad_id, std::int64_t chunk_rows);

}  // namespace tp
