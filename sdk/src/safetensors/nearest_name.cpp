#include "safetensors/nearest_name.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace tp::safetensors {

namespace {

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

}  // namespace

std::string did_you_mean(std::string_view name, const std::vector<std::string_view>& names) {
  const std::size_t limit = std::max<std::size_t>(2, name.size() / 5);
  std::string_view best;
  std::size_t best_distance = limit + 1;
  for (const std::string_view candidate : names) {
    const std::size_t longer = std::max(candidate.size(), name.size());
    const std::size_t shorter = std::min(candidate.size(), name.size());
    if (longer - shorter >= best_distance) continue;  // cannot beat the best so far
    const std::size_t distance = edit_distance(name, candidate);
    if (distance < best_distance) best = candidate, best_distance = distance;
  }
  return best_distance <= limit ? fmt::format(" — did you mean \"{}\"?", best) : std::string();
}

}  // namespace tp::safetensors
