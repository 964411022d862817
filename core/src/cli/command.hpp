#pragma once
// One CLI subcommand: its name, a one-line summary and the function that runs it.
#include <string>
#include <vector>

#include <boost/program_options.hpp>

namespace tp::core::cli {

struct Command {
  const char* name;
  const char* summary;
  // Null for commands that work with tensors: those are loaded on demand from
  // libtunepipe-model-commands as tunepipe_command_<name>.
  int (*run)(const std::vector<std::string>& args);
};

const std::vector<Command>& commands();

// Shared by the commands: parses args (printing help on --help), loads plugins
// from --plugin-path and the default search paths. Returns false when the
// command should stop (help printed).
struct ParsedArgs {
  boost::program_options::variables_map values;
  bool help_shown = false;
};
ParsedArgs parse_command_line(const std::string& command, const std::string& usage,
                              boost::program_options::options_description options,
                              const boost::program_options::positional_options_description& positional,
                              const std::vector<std::string>& args);

// Thrown for a wrong command line; main prints it with the usage and exits 2.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

int run_command_run(const std::vector<std::string>& args);
int run_command_validate(const std::vector<std::string>& args);
int run_command_plugins(const std::vector<std::string>& args);
int run_command_describe(const std::vector<std::string>& args);
int run_command_tokenize(const std::vector<std::string>& args);
int run_command_render(const std::vector<std::string>& args);
int run_command_inspect(const std::vector<std::string>& args);

}  // namespace tp::core::cli
