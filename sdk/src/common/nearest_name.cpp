#include "common/nearest_name.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "tunepipe/edit_distance.hpp"

namespace tp {

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

}  // namespace tp
