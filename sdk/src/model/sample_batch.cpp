#include "tunepipe/sample_batch.hpp"

#include <algorithm>

namespace tp {
namespace {

std::int64_t round_up(std::size_t length, std::int64_t multiple) {
  return (static_cast<std::int64_t>(length) + multiple - 1) / multiple * multiple;
}

}  // namespace

std::int64_t trained_targets(const TokenizedSample& sample) {
  if (sample.labels.empty()) return 0;
  return std::count_if(sample.labels.begin() + 1, sample.labels.end(),
                       [](std::int32_t label) { return label != kIgnoreLabel; });
}

Batch make_batch(std::span<const TokenizedSample> samples, std::span<const std::int64_t> rows, std::int64_t pad_id,
                 std::int64_t multiple) {
  std::size_t longest = 0;
  for (std::int64_t row : rows) longest = std::max(longest, samples[static_cast<std::size_t>(row)].input_ids.size());
  const std::int64_t width = round_up(longest, multiple);
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

Batch make_packed_batch(std::span<const TokenizedSample> samples, std::span<const PackedRow> rows,
                        std::int64_t pad_id, std::int64_t multiple) {
  const auto row_length = [&](const PackedRow& row) {
    std::size_t length = 0;
    for (std::int64_t index : row) length += samples[static_cast<std::size_t>(index)].input_ids.size();
    return length;
  };
  std::size_t longest = 0;
  for (const PackedRow& row : rows) longest = std::max(longest, row_length(row));
  const std::int64_t width = round_up(longest, multiple);
  const auto count = static_cast<std::int64_t>(rows.size());
  Batch batch;
  batch.input_ids = at::full({count, width}, pad_id, at::kLong);
  batch.labels = at::full({count, width}, kIgnoreLabel, at::kLong);
  batch.position_ids = at::empty({count, width}, at::kLong);  // every column is written below
  auto ids = batch.input_ids.accessor<std::int64_t, 2>();
  auto labels = batch.labels.accessor<std::int64_t, 2>();
  auto positions = batch.position_ids.accessor<std::int64_t, 2>();
  for (std::size_t r = 0; r < rows.size(); ++r) {
    std::size_t column = 0;
    for (std::int64_t index : rows[r]) {
      const TokenizedSample& sample = samples[static_cast<std::size_t>(index)];
      for (std::size_t t = 0; t < sample.input_ids.size(); ++t, ++column) {
        ids[r][column] = sample.input_ids[t];
        labels[r][column] = t == 0 ? kIgnoreLabel : sample.labels[t];
        positions[r][column] = static_cast<std::int64_t>(t);
      }
      batch.tokens += static_cast<std::int64_t>(sample.input_ids.size());
      batch.targets += trained_targets(sample);
    }
    for (std::int64_t position = 0; static_cast<std::int64_t>(column) < width; ++column, ++position)
      positions[r][column] = position;
  }
  return batch;
}

}  // namespace tp
