#pragma once
// The padded tensors of a batch of tokenized samples, and the positions a
// sample trains (what the trainer's loss and the perplexity evaluator count).
#include <ATen/ATen.h>

#include <cstdint>
#include <span>
#include <vector>

#include "tunepipe/sample.hpp"

namespace tp {

struct Batch {
  at::Tensor input_ids;  // [rows, longest] int64, right-padded with the pad id
  at::Tensor labels;     // [rows, longest] int64, -100 on padding
  at::Tensor position_ids;   // [rows, longest] int64 for packed rows (packed_sequences.hpp); else undefined
  std::int64_t tokens = 0;   // input tokens before padding
  std::int64_t targets = 0;  // trained positions after the causal shift (labels[:, 1:] != -100)
};

// Rows right-padded to the longest, rounded up to a multiple of `multiple`
// (fewer distinct shapes: the kernels and buffers made for a shape are reused).
Batch make_batch(std::span<const TokenizedSample> samples, std::span<const std::int64_t> rows, std::int64_t pad_id,
                 std::int64_t multiple = 1);

// The samples one packed row holds, in order (indices into the samples).
using PackedRow = std::vector<std::int64_t>;

// Packed rows, right-padded to the longest (rounded up to a multiple of
// `multiple`): position ids restart at 0 with each sample (and with the
// padding), and each sample's first label is ignored, so no token is trained
// to predict across a sample boundary. Its loss is the sum of the samples' own
// losses.
Batch make_packed_batch(std::span<const TokenizedSample> samples, std::span<const PackedRow> rows,
                        std::int64_t pad_id, std::int64_t multiple = 1);

// Positions a sample trains: labels after the first that are not -100 (the
// first label is never a next-token target).
std::int64_t trained_targets(const TokenizedSample& sample);

}  // namespace tp
