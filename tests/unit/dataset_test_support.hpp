#pragma once
// Helpers shared by the dataset tests: fixture paths, options built from a
// schema, and reading a split or an error message.
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "error_capture.hpp"
#include "tunepipe/dataset.hpp"
#include "tunepipe/error.hpp"
#include "tunepipe/options.hpp"

namespace dataset_test {

inline std::string fixture(const std::string& name) {
  return std::string(TUNEPIPE_SOURCE_DIR) + "/tests/data/datasets/" + name;
}

// Options as the runtime hands them over: every default applied, then `values`
// (each placed on its own line of a pretend pipeline file).
inline tp::Options make_options(const tp::OptionSchema& schema, const std::string& plugin,
                                const std::vector<std::pair<std::string, tp::Value>>& values) {
  tp::Options options("dataset", plugin, tp::Location{"pipeline.toml", 10, 1});
  for (const tp::OptionSpec& spec : schema.specs())
    if (spec.default_value) options.set(spec.name, *spec.default_value, tp::Location{});
  std::uint32_t line = 11;
  for (const auto& [name, value] : values) options.set(name, value, tp::Location{"pipeline.toml", line++, 1});
  return options;
}

inline std::vector<tp::Conversation> read_split(tp::DatasetStage& dataset, const std::string& split) {
  std::vector<tp::Conversation> rows;
  dataset.read(split, [&](tp::Conversation&& row) { rows.push_back(std::move(row)); });
  return rows;
}

inline std::string validation_errors(const std::function<void(tp::Diagnostics&)>& validate) {
  tp::Diagnostics diagnostics;
  validate(diagnostics);
  std::string text;
  for (const tp::Diagnostic& d : diagnostics.items()) text += (text.empty() ? "" : "\n") + d.str();
  return text;
}

}  // namespace dataset_test
