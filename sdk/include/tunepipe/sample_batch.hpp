#pragma once
// The padded tensors of a batch of tokenized samples, and the positions a
// sample trains (what the trainer's loss and the perplexity evaluator count).
#include <ATen/ATen.h>

#include <cstdint>
#include <span>

#include "tunepipe/sample.hpp"

namespace tp {

struct Batch {
  at::Tensor input_ids;  // [rows, longest] int64, right-padded with the pad id
  at::Tensor labels;     // [rows, longest] int64, -100 on padding
  std::int64_t tokens = 0;   // input tokens before padding
  std::int64_t targets = 0;  // trained positions after the causal shift (labels[:, 1:] != -100)
};

Batch make_batch(std::span<const TokenizedSample> samples, std::span<const std::int64_t> rows, std::int64_t pad_id);

// Positions a sample trains: labels after the first that are not -100 (the
// first label is never a next-token target).
std::int64_t trained_targets(const TokenizedSample& sample);

}  // namespace tp
