#pragma once
// "did you mean" suggestions and list formatting for messages.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tunepipe/edit_distance.hpp"

namespace tp::core {

using tp::edit_distance;
// The candidate closest to word, if it is close enough to be a likely typo.
std::optional<std::string> closest_match(std::string_view word, const std::vector<std::string>& candidates);
std::string join(const std::vector<std::string>& items, std::string_view separator = ", ");
// ` — did you mean "x"?` or nothing.
std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace tp::core
