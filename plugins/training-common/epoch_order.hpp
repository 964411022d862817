#pragma once
// The order of the train rows in an epoch.
#include <cstdint>
#include <span>
#include <vector>

#include "tunepipe/sample.hpp"

namespace tp::training {

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

// The same for rows whose lengths do not matter (packed rows): shuffled or in order.
std::vector<std::int64_t> epoch_order(std::int64_t rows, std::uint64_t seed, std::int64_t epoch, bool shuffle);

}  // namespace tp::training
