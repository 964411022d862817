#pragma once
// The options every template shares, with the system option's doc saying what
// this family renders for an empty system prompt.
#include <string>
#include <string_view>

#include "tunepipe/options.hpp"

namespace tp::templates {

OptionSchema family_schema(std::string default_system, std::string_view empty_system_note);

}  // namespace tp::templates
