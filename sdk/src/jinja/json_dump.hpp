#pragma once
// Python's json.dumps(value, ensure_ascii=False, indent=…, separators=…,
// sort_keys=…), the `tojson` filter HF installs for chat templates.
#include <functional>
#include <optional>
#include <string>

#include "jinja/value.hpp"

namespace tp::jinja {

struct JsonDumpOptions {
  std::optional<std::string> indent;  // None: one line
  std::optional<std::pair<std::string, std::string>> separators;
  bool sort_keys = false;
  bool ensure_ascii = false;
};

// Throws through `fail` for values JSON cannot hold (undefined, functions).
std::string json_dump(const Value& value, const JsonDumpOptions& options,
                      const std::function<void(const std::string&)>& fail);

}  // namespace tp::jinja
