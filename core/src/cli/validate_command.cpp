#include <fmt/format.h>

#include <cstdio>

#include "cli/command.hpp"
#include "pipeline/pipeline.hpp"

namespace tp::core::cli {
namespace po = boost::program_options;

int run_command_validate(const std::vector<std::string>& args) {
  po::options_description options("validate options");
  options.add_options()("pipelines", po::value<std::vector<std::string>>()->required(), "pipeline files")(
      "set", po::value<std::vector<std::string>>()->composing(), "override a key before validating (repeatable)")(
      "allow-missing-paths", "report data and model paths that do not exist as warnings, not errors");
  po::positional_options_description positional;
  positional.add("pipelines", -1);
  const ParsedArgs parsed =
      parse_command_line("validate", "PIPELINE... [--set section.key=value]... [--allow-missing-paths]", options,
                         positional, args);
  if (parsed.help_shown) return 0;

  LoadSettings settings;
  if (parsed.values.count("set")) settings.overrides = parsed.values["set"].as<std::vector<std::string>>();
  settings.binding.require_existing_paths = parsed.values.count("allow-missing-paths") == 0;
  std::size_t failed = 0, errors = 0;
  const auto files = parsed.values["pipelines"].as<std::vector<std::string>>();
  for (const std::string& file : files) {
    Diagnostics warnings;
    try {
      load_pipeline(file, plugin_registry(), settings, warnings);
      for (const Diagnostic& w : warnings.items())
        fmt::print(stderr, "{}: warning: {}\n", w.where.str(), w.message);
      fmt::print("{}: ok\n", file);
    } catch (const ValidationError& e) {
      ++failed;
      errors += e.diagnostics().size();
      fmt::print(stderr, "{}\n", e.what());
    } catch (const Error& e) {
      ++failed;
      ++errors;
      fmt::print(stderr, "{}\n", e.what());
    }
  }
  if (failed) {
    fmt::print(stderr, "{} error{} in {} of {} pipeline file{}\n", errors, errors == 1 ? "" : "s", failed, files.size(),
               files.size() == 1 ? "" : "s");
    return 1;
  }
  return 0;
}

}  // namespace tp::core::cli
