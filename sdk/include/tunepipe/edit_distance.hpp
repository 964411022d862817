#pragma once
// Levenshtein distance, for "did you mean" suggestions in messages.
#include <cstddef>
#include <string_view>

namespace tp {

std::size_t edit_distance(std::string_view a, std::string_view b);

}  // namespace tp
