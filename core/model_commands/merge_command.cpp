// `tunepipe merge`: a model with an adapter folded into its weights, written as
// an HF checkpoint folder that transformers loads without peft.
#include <ATen/core/grad_mode.h>

#include "checkpoint_folder.hpp"
#include "cli/command.hpp"
#include "model_commands.hpp"
#include "model_loading.hpp"
#include "plugins/plugin_call.hpp"
#include "tunepipe/gguf_magic.hpp"

namespace tp::core::cli {
namespace po = boost::program_options;

int run_command_merge(const std::vector<std::string>& args) {
  po::options_description options("merge options");
  options.add_options()("model", po::value<std::string>()->required(), "HF checkpoint folder or GGUF file")(
      "adapter", po::value<std::string>()->required(), kAdapterHelp)(
      "out", po::value<std::string>()->required(), "the merged checkpoint folder to write")(
      "dtype", po::value<std::string>(), "auto, fp32, bf16 or fp16 (default: auto, the model's own, from its config.json)")(
      "device", po::value<std::string>()->default_value("cpu"), "where to merge: cpu, cuda, cuda:N or auto")(
      "force", "replace --out when it exists and is not empty");
  const ParsedArgs parsed = parse_command_line(
      "merge", "--model DIR --adapter DIR --out DIR [--dtype fp32|bf16|fp16] [--device D] [--force]", options, {},
      args);
  if (parsed.help_shown) return 0;
  const po::variables_map& values = parsed.values;
  const std::string model_dir = values["model"].as<std::string>();
  if (gguf::is_gguf_file(model_dir))
    throw Error(Location{model_dir},
                "a GGUF base cannot be merged into an HF checkpoint folder (it has no config.json or tokenizer files "
                "to copy); load it with its adapter instead: tunepipe generate --model FILE.gguf --adapter DIR");
  const std::string out = values["out"].as<std::string>();
  const bool force = values.count("force") > 0;
  check_output_folder(out, force);
  const std::string dtype = output_dtype(
      model_dir, values.count("dtype") ? std::optional(values["dtype"].as<std::string>()) : std::nullopt);

  // Loaded in fp32 so the sum is rounded once, to the dtype written.
  const LoadedModel loaded =
      load_model(model_dir, "fp32", values["device"].as<std::string>(), values["adapter"].as<std::string>());
  const at::NoGradGuard no_grad;
  call_plugin("adapter", loaded.adapter_plugin, [&] { loaded.adapter->merge(); });
  write_checkpoint_folder(*loaded.adapter->model(), model_dir, dtype, out, force);
  return 0;
}

}  // namespace tp::core::cli
