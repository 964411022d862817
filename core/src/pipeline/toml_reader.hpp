#pragma once
// TOML text -> RawNode (the only place that sees TOML++).
#include <filesystem>
#include <string>
#include <string_view>

#include "pipeline/raw_node.hpp"

namespace tp::core {

// Throws ValidationError with the file, line and column of a syntax error.
RawNode read_toml_file(const std::filesystem::path& file);
RawNode read_toml_text(std::string_view text, const std::string& source_name);

// A --set value: TOML syntax when it parses as a TOML value (1e-4, true,
// ["q_proj"], "x"), otherwise the text itself as a string.
RawNode parse_override_value(std::string_view text, const Location& where);

}  // namespace tp::core
