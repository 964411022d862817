#include "cli/cli.hpp"

#include <fmt/format.h>

#include <boost/dll/runtime_symbol_info.hpp>
#include <boost/dll/shared_library.hpp>
#include <cstdio>

#include "cli/command.hpp"
#include "plugins/plugin_registry.hpp"
#include "tunepipe/abi.hpp"
#include "util/suggest.hpp"

namespace tp::core::cli {
namespace po = boost::program_options;

const std::vector<Command>& commands() {
  static const std::vector<Command> all = {
      {"run", "run a pipeline: prepare its data and write the results to its output folder", run_command_run},
      {"validate", "check pipeline files without loading weights", run_command_validate},
      {"plugins", "list the installed plugins", run_command_plugins},
      {"describe", "show a plugin's options, types, defaults and docs", run_command_describe},
      {"tokenize", "tokenize text with a model's tokenizer (JSON strings on stdin, ids out)", run_command_tokenize},
      {"render", "render conversations (JSON lines on stdin) with a chat template", run_command_render},
      {"inspect", "show a tokenized sample of a pipeline with its trained span marked", run_command_inspect},
      {"checkpoint", "inspect or copy a safetensors checkpoint with tunepipe's own reader and writer", nullptr},
      {"forward", "a model's logits (and loss) for token ids on stdin, written as safetensors", nullptr},
      {"generate", "complete a prompt with a model (greedy or sampled, KV cache)", nullptr},
      {"chat", "talk to a model turn by turn in its chat template", nullptr},
      {"merge", "fold an adapter into a model's weights and write an HF checkpoint folder", nullptr},
      {"export", "write a GGUF base with its adapter merged as a GGUF file (and an Ollama Modelfile)", nullptr},
  };
  return all;
}

ParsedArgs parse_command_line(const std::string& command, const std::string& usage,
                              po::options_description options, const po::positional_options_description& positional,
                              const std::vector<std::string>& args) {
  options.add_options()("plugin-path", po::value<std::vector<std::string>>()->composing(),
                        "also load plugins from this folder (repeatable; searched first)")(
      "help,h", "show this help");
  ParsedArgs parsed;
  try {
    po::store(po::command_line_parser(args).options(options).positional(positional).run(), parsed.values);
    if (parsed.values.count("help")) {
      fmt::print("usage: tunepipe {} {}\n\n", command, usage);
      std::ostringstream text;
      text << options;
      fmt::print("{}", text.str());
      parsed.help_shown = true;
      return parsed;
    }
    po::notify(parsed.values);
  } catch (const po::error& e) {
    throw UsageError(fmt::format("{}\nusage: tunepipe {} {}", e.what(), command, usage));
  }
  PluginRegistry& registry = plugin_registry();
  if (parsed.values.count("plugin-path"))
    for (const auto& path : parsed.values["plugin-path"].as<std::vector<std::string>>()) registry.add_search_path(path);
  registry.add_default_search_paths();
  registry.discover();
  return parsed;
}

// Runs a command of the model commands library, which brings libtorch.
static int run_model_command(const Command& command, const std::vector<std::string>& args) {
  const std::filesystem::path library = boost::dll::program_location().parent_path().parent_path() /
                                        TUNEPIPE_MODEL_COMMANDS_DIR / "libtunepipe-model-commands.so";
  static boost::dll::shared_library loaded;  // stays loaded: it registers libtorch kernels
  if (!loaded.is_loaded()) {
    try {
      loaded.load(library, boost::dll::load_mode::rtld_lazy | boost::dll::load_mode::rtld_global);
    } catch (const std::exception& e) {
      throw Error(Location{library.string()},
                  fmt::format("`tunepipe {}` needs the model commands library, which cannot be loaded: {}",
                              command.name, e.what()));
    }
  }
  const std::string symbol = fmt::format("tunepipe_command_{}", command.name);
  return loaded.get<int(const std::vector<std::string>&)>(symbol)(args);
}

static void print_help() {
  fmt::print("tunepipe — fine-tune small LLMs from a declarative TOML pipeline\n\n"
             "usage: tunepipe <command> [options]\n\ncommands:\n");
  for (const Command& c : commands()) fmt::print("  {:<10} {}\n", c.name, c.summary);
  fmt::print("\n`tunepipe <command> --help` shows a command's options.\n"
             "Plugins are searched in --plugin-path, $TUNEPIPE_PLUGIN_PATH, then the build's and the installed plugin folders.\n");
}

// `tunepipe --plugin-path DIR run …` means `tunepipe run … --plugin-path DIR`.
static std::vector<std::string> move_global_options_after_command(std::vector<std::string> args) {
  std::vector<std::string> global;
  while (!args.empty() && args[0].starts_with("--plugin-path")) {
    const bool separate_value = args[0] == "--plugin-path" && args.size() > 1;
    global.insert(global.end(), args.begin(), args.begin() + (separate_value ? 2 : 1));
    args.erase(args.begin(), args.begin() + (separate_value ? 2 : 1));
  }
  if (!args.empty()) args.insert(args.end(), global.begin(), global.end());
  return args;
}

int main(int argc, char** argv) {
  std::vector<std::string> args = move_global_options_after_command({argv + 1, argv + argc});
  if (args.empty()) {
    print_help();
    return 2;
  }
  if (args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    print_help();
    return 0;
  }
  if (args[0] == "--version") {
    const BuildFingerprint fp = this_build_fingerprint();
    fmt::print("tunepipe {} (SDK ABI {}.{}, libtorch {}, {})\n", TUNEPIPE_VERSION, fp.abi_major, fp.abi_minor,
               fp.torch_version, fp.compiler);
    return 0;
  }
  std::vector<std::string> names;
  for (const Command& c : commands()) names.push_back(c.name);
  for (const Command& command : commands()) {
    if (args[0] != command.name) continue;
    try {
      const std::vector<std::string> rest(args.begin() + 1, args.end());
      return command.run ? command.run(rest) : run_model_command(command, rest);
    } catch (const UsageError& e) {
      fmt::print(stderr, "tunepipe {}: {}\n", command.name, e.what());
      return 2;
    } catch (const ValidationError& e) {
      fmt::print(stderr, "{}\n{} error{} found\n", e.what(), e.diagnostics().size(),
                 e.diagnostics().size() == 1 ? "" : "s");
      return 1;
    } catch (const std::exception& e) {
      const std::string text = e.what();
      fmt::print(stderr, "{}{}\n", text.find("error: ") == std::string::npos ? "error: " : "", text);
      return 1;
    }
  }
  fmt::print(stderr, "tunepipe: unknown command \"{}\"{} (commands: {})\n", args[0], did_you_mean(args[0], names),
             join(names));
  return 2;
}

}  // namespace tp::core::cli
