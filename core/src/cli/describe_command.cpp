#include <fmt/format.h>

#include "cli/command.hpp"
#include "plugins/plugin_call.hpp"
#include "plugins/plugin_registry.hpp"
#include "util/suggest.hpp"

namespace tp::core::cli {
namespace po = boost::program_options;

namespace {

std::string constraints(const OptionSpec& spec) {
  std::vector<std::string> parts;
  if (spec.required) parts.push_back("required");
  if (spec.min) parts.push_back(fmt::format(">= {}", *spec.min));
  if (spec.max) parts.push_back(fmt::format("<= {}", *spec.max));
  if (!spec.choices.empty()) parts.push_back("one of: " + join(spec.choices, " | "));
  if (spec.type == OptionType::Path)
    parts.push_back(spec.path_kind == PathKind::ExistingFile  ? "existing file"
                    : spec.path_kind == PathKind::ExistingDir ? "existing folder"
                    : spec.path_kind == PathKind::Output      ? "written"
                                                              : "existing path");
  return parts.empty() ? "" : " [" + join(parts, "; ") + "]";
}

}  // namespace

int run_command_describe(const std::vector<std::string>& args) {
  po::options_description options("describe options");
  options.add_options()("kind", po::value<std::string>()->required(), "plugin kind (dataset, template, model, …)")(
      "name", po::value<std::string>()->required(), "plugin name");
  po::positional_options_description positional;
  positional.add("kind", 1).add("name", 1);
  const ParsedArgs parsed = parse_command_line("describe", "KIND NAME", options, positional, args);
  if (parsed.help_shown) return 0;

  const std::string kind = parsed.values["kind"].as<std::string>();
  const std::string name = parsed.values["name"].as<std::string>();
  const PluginInfo* plugin = plugin_registry().find(kind, name);
  if (plugin == nullptr) {
    const std::vector<std::string> installed = plugin_registry().names(kind);
    throw Error(fmt::format("no {} plugin \"{}\"{} (installed {} plugins: {})", kind, name,
                            did_you_mean(name, installed), kind, installed.empty() ? "none" : join(installed)));
  }
  const OptionSchema schema = call_plugin(kind, name, [&] { return plugin->descriptor->schema(); });
  fmt::print("{} {} {} — {}\n{}\n\n{}\nplugin = \"{}\"\n", kind, name, plugin->version, plugin->summary,
             plugin->path.string(), kind == "sink" ? "[[sinks]]" : "[" + kind + "]", name);
  for (const OptionSpec& spec : schema.specs()) {
    const std::string value = spec.default_value ? to_display(*spec.default_value) : "(unset)";
    fmt::print("{} = {}    # {}: {}{}\n", spec.name, value, to_string(spec.type), spec.doc, constraints(spec));
  }
  if (kind == "sink")
    fmt::print("strict = false    # bool: (every sink) true: a failure of this sink stops the run; false: a warning\n");
  return 0;
}

}  // namespace tp::core::cli
