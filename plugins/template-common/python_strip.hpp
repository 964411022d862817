#pragma once
// Python's str.strip(), which the Jinja chat templates apply (`| trim`,
// `.strip()`): removes Unicode whitespace such as U+3000 too, not just ASCII.
#include <string_view>

namespace tp::templates {

std::string_view python_strip(std::string_view utf8);

}  // namespace tp::templates
