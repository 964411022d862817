#include "epoch_order.hpp"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <numeric>

namespace tp::training {
namespace {

std::vector<std::int64_t> random_permutation(std::int64_t rows, std::uint64_t seed) {
  at::Generator generator = at::detail::createCPUGenerator(seed);
  const at::Tensor permutation = at::randperm(rows, generator, at::kLong);
  const std::int64_t* data = permutation.data_ptr<std::int64_t>();
  return {data, data + rows};
}

// HF's get_length_grouped_indices: shuffled rows cut into mega-batches, each
// sorted longest first (stably), and the longest mega-batch head swapped to
// the front so an out-of-memory shows on the first step.
void group_by_length(std::vector<std::int64_t>& order, std::span<const TokenizedSample> samples,
                     std::int64_t batch_rows) {
  const auto length = [&](std::int64_t row) { return samples[static_cast<std::size_t>(row)].input_ids.size(); };
  const std::int64_t count = static_cast<std::int64_t>(order.size());
  const std::int64_t multiple = std::max<std::int64_t>(std::min<std::int64_t>(count / (batch_rows * 4), 50), 1);
  const std::int64_t mega_batch = multiple * batch_rows;
  std::vector<std::int64_t> heads;
  for (std::int64_t begin = 0; begin < count; begin += mega_batch) {
    const auto first = order.begin() + begin;
    const auto last = order.begin() + std::min(count, begin + mega_batch);
    std::stable_sort(first, last, [&](std::int64_t a, std::int64_t b) { return length(a) > length(b); });
    heads.push_back(begin);
  }
  std::size_t longest = 0;
  for (std::size_t i = 1; i < heads.size(); ++i)
    if (length(order[heads[i]]) > length(order[heads[longest]])) longest = i;
  std::swap(order[0], order[heads[longest]]);
}

}  // namespace

std::vector<std::int64_t> epoch_order(std::span<const TokenizedSample> samples, std::uint64_t seed,
                                      std::int64_t epoch, const EpochOrder& how) {
  std::vector<std::int64_t> order = epoch_order(static_cast<std::int64_t>(samples.size()), seed, epoch, how.shuffle);
  if (how.shuffle && how.group_by_length && !order.empty()) group_by_length(order, samples, how.mega_batch_rows);
  return order;
}

std::vector<std::int64_t> epoch_order(std::int64_t rows, std::uint64_t seed, std::int64_t epoch, bool shuffle) {
  if (shuffle) return random_permutation(rows, seed + static_cast<std::uint64_t>(epoch));
  std::vector<std::int64_t> order(static_cast<std::size_t>(rows));
  std::iota(order.begin(), order.end(), 0);
  return order;
}

}  // namespace tp::training
