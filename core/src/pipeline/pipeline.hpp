#pragma once
// A validated pipeline: one configured plugin per stage, sinks as a list.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "pipeline/option_binding.hpp"
#include "plugins/plugin_registry.hpp"
#include "tunepipe/options.hpp"

namespace tp::core {

struct StageConfig {
  std::string kind;     // "dataset", "sink", …
  std::string section;  // "dataset", "sinks[1]", …
  const PluginInfo* plugin = nullptr;
  Options options;
  bool strict = false;  // [[sinks]] only: a failure of this sink stops the run instead of a warning
};

struct Pipeline {
  std::filesystem::path file;
  std::string name;
  std::filesystem::path output_dir;
  std::uint64_t seed = 42;
  std::optional<StageConfig> model, dataset, chat_template, adapter, trainer, evaluator;
  std::vector<StageConfig> sinks;
};

struct LoadSettings {
  std::vector<std::string> overrides;  // "section.key=value", applied in order
  BindingSettings binding;
};

// Parses and validates a pipeline file. Throws ValidationError holding every
// problem found; warnings (e.g. missing paths when allowed) go to `warnings`.
Pipeline load_pipeline(const std::filesystem::path& file, const PluginRegistry& registry,
                       const LoadSettings& settings, Diagnostics& warnings);

// Options for one plugin from "key=value" assignments (the CLI's --set for
// commands that use a single plugin, like `render`).
Options options_from_assignments(const PluginInfo& plugin, const std::string& section,
                                 const std::vector<std::string>& assignments);

// The stage kinds a pipeline file has a section for, in pipeline order.
const std::vector<std::string>& stage_sections();

}  // namespace tp::core
