#pragma once
// A line of space-separated token ids, as the CLI reads them.
#include <cstdint>
#include <string_view>
#include <vector>

#include "tunepipe/error.hpp"

namespace tp::core {

// Throws tp::Error at `where` for a word that is not an integer.
std::vector<std::int64_t> parse_token_ids(std::string_view line, const Location& where);

}  // namespace tp::core
