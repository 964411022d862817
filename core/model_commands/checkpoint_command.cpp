#include <fmt/format.h>
#include <fmt/ranges.h>

#include <filesystem>

#include "cli/command.hpp"
#include "model_commands.hpp"
#include "tunepipe/safetensors.hpp"

namespace tp::core::cli {
namespace po = boost::program_options;

namespace {

constexpr const char* kUsage = "inspect CHECKPOINT_DIR_OR_FILE | copy SRC_FILE DST_FILE";

void print_tensor(const safetensors::TensorInfo& info) {
  fmt::print("{} {} [{}]\n", info.name, info.dtype, fmt::join(info.shape, ","));
}

// Every tensor is also materialised, so dtypes libtorch lacks and bad BOOL bytes are reported too.
int inspect(const std::filesystem::path& path) {
  const auto checkpoint = safetensors::Checkpoint::open(path);
  for (const std::string& name : checkpoint.names()) {
    checkpoint.tensor(name);
    print_tensor(checkpoint.info(name));
  }
  return 0;
}

int copy(const std::filesystem::path& source, const std::filesystem::path& destination) {
  const auto file = safetensors::File::open(source);
  std::vector<std::pair<std::string, at::Tensor>> tensors;
  for (const auto& info : file->tensors()) tensors.emplace_back(info.name, file->tensor(info.name));
  safetensors::write(destination, tensors, file->metadata());
  return 0;
}

}  // namespace

int run_command_checkpoint(const std::vector<std::string>& args) {
  po::options_description options("checkpoint options");
  options.add_options()("action", po::value<std::string>()->required(), "inspect or copy")(
      "paths", po::value<std::vector<std::string>>()->required(), "the checkpoint (inspect) or source and destination (copy)");
  po::positional_options_description positional;
  positional.add("action", 1).add("paths", -1);
  const ParsedArgs parsed = parse_command_line("checkpoint", kUsage, options, positional, args);
  if (parsed.help_shown) return 0;

  const std::string action = parsed.values["action"].as<std::string>();
  const auto paths = parsed.values["paths"].as<std::vector<std::string>>();
  if (action == "inspect" && paths.size() == 1) return inspect(paths[0]);
  if (action == "copy" && paths.size() == 2) return copy(paths[0], paths[1]);
  if (action != "inspect" && action != "copy")
    throw UsageError(fmt::format("unknown action \"{}\" (actions: inspect, copy)\nusage: tunepipe checkpoint {}", action, kUsage));
  throw UsageError(fmt::format("{} takes {} path{}\nusage: tunepipe checkpoint {}", action, action == "copy" ? 2 : 1,
                               action == "copy" ? "s" : "", kUsage));
}

}  // namespace tp::core::cli
