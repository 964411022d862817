#include <fmt/format.h>

#include "cli/command.hpp"
#include "pipeline/pipeline.hpp"
#include "plugins/plugin_registry.hpp"

namespace tp::core::cli {
namespace po = boost::program_options;

int run_command_plugins(const std::vector<std::string>& args) {
  po::options_description options("plugins options");
  const ParsedArgs parsed = parse_command_line("plugins", "", options, {}, args);
  if (parsed.help_shown) return 0;

  const PluginRegistry& registry = plugin_registry();
  registry.load_all();
  std::vector<std::string> kinds = stage_sections();
  kinds.push_back("sink");
  fmt::print("{:<10} {:<12} {:<8} {}\n", "KIND", "NAME", "VERSION", "PATH");
  for (const std::string& kind : kinds)
    for (const PluginInfo* p : registry.of_kind(kind))
      fmt::print("{:<10} {:<12} {:<8} {}\n", p->kind, p->name, p->version, p->path.string());
  for (const RefusedPlugin& r : registry.refused()) fmt::print("refused: {}: {}\n", r.path.string(), r.reason);
  for (const RefusedPlugin& r : registry.shadowed()) fmt::print("not used: {}: {}\n", r.path.string(), r.reason);
  if (registry.plugins().empty()) {
    fmt::print(stderr, "no plugins found in:");
    for (const auto& path : registry.search_paths()) fmt::print(stderr, " {}", path.string());
    fmt::print(stderr, "\n");
    return 1;
  }
  return 0;
}

}  // namespace tp::core::cli
