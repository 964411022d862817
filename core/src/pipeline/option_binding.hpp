#pragma once
// Applies a plugin's option schema to a parsed TOML table: every unknown key,
// wrong type, out-of-range value and missing path is collected, not just the first.
#include <string>
#include <vector>

#include "pipeline/raw_node.hpp"
#include "tunepipe/options.hpp"

namespace tp::core {

struct BindingSettings {
  bool require_existing_paths = true;  // false: a missing path is a warning
};

Options bind_options(const OptionSchema& schema, const RawNode& table, const std::string& section,
                     const std::string& plugin, const std::vector<std::string>& reserved_keys,
                     const BindingSettings& settings, Diagnostics& errors, Diagnostics& warnings);

}  // namespace tp::core
