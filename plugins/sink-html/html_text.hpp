#pragma once
// Text that goes into HTML or SVG markup.
#include <string>
#include <string_view>

namespace tp::html {

// Escapes the five characters that could end an element or an attribute
// value (& < > " '); everything else, UTF-8 included, passes unchanged.
std::string escape(std::string_view text);

}  // namespace tp::html
