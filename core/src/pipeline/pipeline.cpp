#include "pipeline/pipeline.hpp"

#include "pipeline/output_paths.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "pipeline/toml_reader.hpp"
#include "plugins/plugin_call.hpp"
#include "tunepipe/option_key.hpp"
#include "util/suggest.hpp"

namespace tp::core {
namespace {

const std::vector<std::string> kRequiredSections = {"model", "dataset", "template"};
constexpr std::size_t kMaxSinks = 32;

const auto kName = string_key("name", std::nullopt, "name of the run (default: the file name)");
const auto kOutputDir =
    path_key("output_dir", PathKind::Output, std::nullopt, "folder the run writes to (default: runs/<name>)");
const auto kSeed = int_key("seed", 42, "seed for data order, splits and initialisation").range(0, std::nullopt);
const auto kDescription = string_key("description", "", "free text describing the run");

OptionSchema pipeline_schema(const std::string& default_name) {
  return schema_of(kName.with_default(default_name), kOutputDir, kSeed, kDescription);
}

std::vector<std::string> top_level_keys() {
  std::vector<std::string> keys = {"pipeline"};
  keys.insert(keys.end(), stage_sections().begin(), stage_sections().end());
  keys.push_back("sinks");
  return keys;
}

// "trainer.epochs=1", "sinks[0].path=x", "dataset.fields.input={text}"
void apply_override(RawNode& root, const std::string& assignment, Diagnostics& errors) {
  const Location where{fmt::format("--set {}", assignment)};
  const auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0) {
    errors.error(where, "expected section.key=value");
    return;
  }
  std::string path = assignment.substr(0, eq);
  std::replace(path.begin(), path.end(), '[', '.');
  path.erase(std::remove(path.begin(), path.end(), ']'), path.end());
  std::vector<std::string> parts;
  for (std::size_t start = 0;;) {
    const auto dot = path.find('.', start);
    parts.push_back(path.substr(start, dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  if (parts.size() < 2 || std::any_of(parts.begin(), parts.end(), [](auto& p) { return p.empty(); })) {
    errors.error(where, "expected section.key=value, e.g. --set trainer.epochs=1");
    return;
  }
  RawNode* node = &root;
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    if (node->type == RawNode::Type::Array) {
      const bool numeric = std::all_of(parts[i].begin(), parts[i].end(), ::isdigit);
      const std::size_t index = numeric ? std::stoul(parts[i]) : node->items.size();
      if (!numeric || index >= node->items.size()) {
        errors.error(where, fmt::format("\"{}\" has {} entries; use an index from 0", parts[i - 1], node->items.size()));
        return;
      }
      node = &node->items[index];
      continue;
    }
    const bool indexes_an_array = std::all_of(parts[i + 1].begin(), parts[i + 1].end(), ::isdigit);
    if (indexes_an_array && node->find(parts[i]) == nullptr) {
      errors.error(where, fmt::format("the pipeline has no \"{}\" entries; --set can only change an existing one",
                                      parts[i]));
      return;
    }
    node = &node->get_or_add_table(parts[i], where);
    if (node->type != RawNode::Type::Table && node->type != RawNode::Type::Array) {
      errors.error(where, fmt::format("\"{}\" is not a table", parts[i]));
      return;
    }
  }
  RawNode value = parse_override_value(assignment.substr(eq + 1), where);
  if (RawNode* existing = node->find(parts.back())) *existing = std::move(value);
  else node->entries.emplace_back(parts.back(), std::move(value));
}

std::optional<StageConfig> bind_stage(const RawNode& table, const std::string& kind, const std::string& section,
                                      const PluginRegistry& registry, const BindingSettings& binding,
                                      Diagnostics& errors, Diagnostics& warnings,
                                      const std::vector<std::string>& reserved_keys = {"plugin"}) {
  const Location at = table.key_where.known() ? table.key_where : table.where;
  if (table.type != RawNode::Type::Table) {
    errors.error(at, fmt::format("[{}] must be a table", section));
    return std::nullopt;
  }
  const RawNode* plugin_node = table.find("plugin");
  if (plugin_node == nullptr || plugin_node->type != RawNode::Type::String) {
    errors.error(plugin_node ? plugin_node->where : at,
                 fmt::format("[{}] needs plugin = \"<name>\" (see `tunepipe plugins`)", section));
    return std::nullopt;
  }
  const std::string& name = plugin_node->string;
  const PluginInfo* plugin = registry.find(kind, name);
  if (plugin == nullptr) {
    const std::vector<std::string> installed = registry.names(kind);
    std::string message = fmt::format("[{}] unknown {} plugin \"{}\"{} (installed {} plugins: {})", section, kind, name,
                                      did_you_mean(name, installed), kind, installed.empty() ? "none" : join(installed));
    if (const RefusedPlugin* refused = registry.refusal_for(kind, name))
      message = fmt::format("[{}] {} plugin \"{}\" was found at {} but refused: {}", section, kind, name,
                            refused->path.string(), refused->reason);
    errors.error(plugin_node->where, message);
    return std::nullopt;
  }
  const std::size_t errors_before = errors.size();
  const OptionSchema schema = call_plugin(section, name, [&] { return plugin->descriptor->schema(); });
  StageConfig config{kind, section, plugin,
                     bind_options(schema, table, section, name, reserved_keys, binding, errors, warnings)};
  if (errors.size() == errors_before && plugin->descriptor->validate != nullptr) {
    try {
      call_plugin(section, name, [&] { plugin->descriptor->validate(config.options, errors); });
    } catch (const Error& e) {
      errors.error(e.where(), e.message());
    }
  }
  return config;
}

// A [[sinks]] entry: its plugin's options plus the runtime's own key `strict`.
std::optional<StageConfig> bind_sink(const RawNode& table, std::size_t index, const PluginRegistry& registry,
                                     const BindingSettings& binding, Diagnostics& errors, Diagnostics& warnings) {
  std::optional<StageConfig> sink = bind_stage(table, "sink", fmt::format("sinks[{}]", index), registry, binding,
                                               errors, warnings, {"plugin", "strict"});
  if (!sink) return sink;
  check_written_paths(call_plugin(sink->section, sink->plugin->name, [&] { return sink->plugin->descriptor->schema(); }),
                      sink->options, errors);
  if (const RawNode* strict = table.find("strict")) {
    if (strict->type == RawNode::Type::Bool)
      sink->strict = strict->boolean;
    else
      errors.error(strict->where, fmt::format("{}\"strict\" must be true or false, not {} (true: a failure of this "
                                              "sink stops the run; false, the default: a warning)",
                                              sink->options.context(), type_name(strict->type)));
  }
  return sink;
}

}  // namespace

const std::vector<std::string>& stage_sections() {
  static const std::vector<std::string> sections = {"model", "dataset", "template", "adapter", "trainer", "evaluator"};
  return sections;
}

Pipeline load_pipeline(const std::filesystem::path& file, const PluginRegistry& registry,
                       const LoadSettings& settings, Diagnostics& warnings) {
  RawNode root = read_toml_file(file);
  Diagnostics errors;
  for (const std::string& assignment : settings.overrides) apply_override(root, assignment, errors);
  errors.throw_if_any();

  const std::vector<std::string> allowed = top_level_keys();
  for (const auto& [key, node] : root.entries)
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end())
      errors.error(node.key_where, fmt::format("unknown section [{}]{} (allowed: {})", key,
                                               did_you_mean(key, allowed), join(allowed)));

  Pipeline pipeline;
  pipeline.file = file;
  const std::string default_name = file.stem().string();
  RawNode empty_table;
  empty_table.where = Location{file.string()};
  const RawNode* header = root.find("pipeline");
  const Options header_options = bind_options(pipeline_schema(default_name), header ? *header : empty_table,
                                              "pipeline", "", {}, settings.binding, errors, warnings);
  if (const auto name = kName.find(header_options)) pipeline.name = *name;
  pipeline.output_dir = kOutputDir.find(header_options).value_or(std::filesystem::path("runs") / pipeline.name);
  check_output_dir(pipeline.output_dir, kOutputDir.location(header_options), errors);
  if (const auto seed = kSeed.find(header_options)) pipeline.seed = static_cast<std::uint64_t>(*seed);

  auto slot = [&](const std::string& section) -> std::optional<StageConfig>& {
    if (section == "model") return pipeline.model;
    if (section == "dataset") return pipeline.dataset;
    if (section == "template") return pipeline.chat_template;
    if (section == "adapter") return pipeline.adapter;
    if (section == "trainer") return pipeline.trainer;
    return pipeline.evaluator;
  };
  for (const std::string& section : stage_sections()) {
    if (const RawNode* table = root.find(section))
      slot(section) = bind_stage(*table, section, section, registry, settings.binding, errors, warnings);
    else if (std::find(kRequiredSections.begin(), kRequiredSections.end(), section) != kRequiredSections.end())
      errors.error(Location{file.string()}, fmt::format("missing section [{}] (every pipeline needs {})", section,
                                                        join(kRequiredSections)));
  }
  if (pipeline.trainer && !pipeline.adapter && root.find("trainer"))
    errors.error(root.find("trainer")->key_where,
                 "[trainer] trains an adapter: add an [adapter] section (for example plugin = \"lora\")");
  if (const RawNode* sinks = root.find("sinks")) {
    if (sinks->type != RawNode::Type::Array) {
      errors.error(sinks->key_where, "sinks must be an array of tables: write each as [[sinks]]");
    } else if (sinks->items.size() > kMaxSinks) {
      // Each sink may hold a thread, a file and a connection for the whole run.
      errors.error(sinks->key_where, fmt::format("{} [[sinks]] entries: at most {} (one per place the run reports to)",
                                                 sinks->items.size(), kMaxSinks));
    } else {
      for (std::size_t i = 0; i < sinks->items.size(); ++i)
        if (auto sink = bind_sink(sinks->items[i], i, registry, settings.binding, errors, warnings))
          pipeline.sinks.push_back(std::move(*sink));
    }
  }
  errors.throw_if_any();
  return pipeline;
}

Options options_from_assignments(const PluginInfo& plugin, const std::string& section,
                                 const std::vector<std::string>& assignments) {
  RawNode root;
  root.where = Location{"--set"};
  Diagnostics errors, warnings;
  for (const std::string& a : assignments) apply_override(root, section + "." + a, errors);
  errors.throw_if_any();
  RawNode empty;
  empty.where = Location{"--set"};
  const RawNode* table = root.find(section);
  const OptionSchema schema = call_plugin(section, plugin.name, [&] { return plugin.descriptor->schema(); });
  Options options = bind_options(schema, table ? *table : empty, section, plugin.name, {}, {}, errors, warnings);
  if (errors.empty() && plugin.descriptor->validate != nullptr)
    call_plugin(section, plugin.name, [&] { plugin.descriptor->validate(options, errors); });
  errors.throw_if_any();
  return options;
}

}  // namespace tp::core
