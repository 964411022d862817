#include "sample_packing.hpp"

#include <algorithm>
#include <map>
#include <numeric>

namespace tp::training {

std::vector<PackedRow> pack_samples(std::span<const TokenizedSample> samples, std::size_t row_length) {
  const auto length = [&](std::int64_t index) { return samples[static_cast<std::size_t>(index)].input_ids.size(); };
  std::vector<std::int64_t> longest_first(samples.size());
  std::iota(longest_first.begin(), longest_first.end(), 0);
  std::stable_sort(longest_first.begin(), longest_first.end(),
                   [&](std::int64_t a, std::int64_t b) { return length(a) > length(b); });

  std::vector<PackedRow> rows;
  std::multimap<std::size_t, std::size_t> room;  // free tokens → row; equal keys stay in the order they came
  for (const std::int64_t index : longest_first) {
    const std::size_t tokens = length(index);
    const auto fullest_that_fits = room.lower_bound(tokens);
    std::size_t row = rows.size();
    std::size_t free = row_length > tokens ? row_length - tokens : 0;
    if (fullest_that_fits == room.end()) {
      rows.emplace_back();
    } else {
      row = fullest_that_fits->second;
      free = fullest_that_fits->first - tokens;
      room.erase(fullest_that_fits);
    }
    rows[row].push_back(index);
    if (free > 0) room.emplace(free, row);
  }
  return rows;
}

}  // namespace tp::training
