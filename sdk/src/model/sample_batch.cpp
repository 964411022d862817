#include "tunepipe/sample_batch.hpp"

#include <algorithm>

namespace tp {

std::int64_t trained_targets(const TokenizedSample& sample) {
  if (sample.labels.empty()) return 0;
  return std::count_if(sample.labels.begin() + 1, sample.labels.end(),
                       [](std::int32_t label) { return label != kIgnoreLabel; });
}

Batch make_batch(std::span<const TokenizedSample> samples, std::span<const std::int64_t> rows, std::int64_t pad_id) {
  std::size_t longest = 0;
  for (std::int64_t row : rows) longest = std::max(longest, samples[static_cast<std::size_t>(row)].input_ids.size());
  const auto width = static_cast<std::int64_t>(longest);
  Batch batch;
  batch.input_ids = at::full({static_cast<std::int64_t>(rows.size()), width}, pad_id, at::kLong);
  batch.labels = at::full({static_cast<std::int64_t>(rows.size()), width}, kIgnoreLabel, at::kLong);
  auto ids = batch.input_ids.accessor<std::int64_t, 2>();
  auto labels = batch.labels.accessor<std::int64_t, 2>();
  for (std::size_t r = 0; r < rows.size(); ++r) {
    const TokenizedSample& sample = samples[static_cast<std::size_t>(rows[r])];
    for (std::size_t t = 0; t < sample.input_ids.size(); ++t) {
      ids[r][t] = sample.input_ids[t];
      labels[r][t] = sample.labels[t];
    }
    batch.tokens += static_cast<std::int64_t>(sample.input_ids.size());
    batch.targets += trained_targets(sample);
  }
  return batch;
}

}  // namespace tp
