#pragma once
// The order of the train rows in an epoch and the padded tensors of a batch.
#include <ATen/ATen.h>

#include <cstdint>
#include <span>
#include <vector>

#include "tunepipe/sample.hpp"

namespace tp::sft {

struct EpochOrder {
  bool shuffle = true;
  bool group_by_length = false;
  std::int64_t mega_batch_rows = 0;  // group_by_length: rows per optimizer step (batch × accumulation)
};

// Row indices for one epoch: a permutation drawn from a generator seeded with
// seed + epoch (as accelerate's SeedableRandomSampler, so the same seed gives
// transformers' order), optionally grouped by length as HF's
// LengthGroupedSampler; the file order when not shuffled. A function of its
// arguments only, so a resumed run rebuilds it.
std::vector<std::int64_t> epoch_order(std::span<const TokenizedSample> samples, std::uint64_t seed,
                                      std::int64_t epoch, const EpochOrder& how);

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

}  // namespace tp::sft
