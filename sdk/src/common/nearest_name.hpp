#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace tp {

// ` — did you mean "x"?` when one of names is a likely typo of name, else "".
std::string did_you_mean(std::string_view name, const std::vector<std::string_view>& names);

}  // namespace tp
