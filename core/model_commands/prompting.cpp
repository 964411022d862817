#include "prompting.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "cli/command.hpp"
#include "pipeline/pipeline.hpp"
#include "run/stage_factory.hpp"

namespace tp::core::cli {
namespace po = boost::program_options;

namespace {

std::string decoded(const Tokenizer& tokenizer, const std::vector<std::int64_t>& completion) {
  const std::vector<std::int32_t> ids(completion.begin(), completion.end());
  return tokenizer.decode(ids, true);
}

}  // namespace

void add_generation_options(po::options_description& options) {
  options.add_options()("max-new-tokens", po::value<std::int64_t>()->default_value(128), "tokens to generate at most")(
      "greedy", "always take the most likely token (default unless a sampling option is given)")(
      "temperature", po::value<double>(), "sample with this temperature")(
      "top-k", po::value<std::int64_t>(), "sample from the k most likely tokens")(
      "top-p", po::value<double>(), "sample from the smallest set holding this probability mass")(
      "repetition-penalty", po::value<double>()->default_value(1.0), "penalise tokens already seen (HF's rule)")(
      "stop", po::value<std::vector<std::string>>()->composing(),
      "end the answer before this text (repeatable; checked on the decoded text, so it may span tokens)")(
      "seed", po::value<std::uint64_t>()->default_value(0), "seed for sampling")(
      "dtype", po::value<std::string>()->default_value("auto"),
      "auto (the checkpoint's own, from its config.json; fp32 when it names none), fp32, bf16 or fp16")(
      "device", po::value<std::string>()->default_value("auto"), "cpu, cuda, cuda:N or auto");
}

GenerationConfig generation_config(const po::variables_map& values) {
  GenerationConfig config;
  config.max_new_tokens = values["max-new-tokens"].as<std::int64_t>();
  config.repetition_penalty = values["repetition-penalty"].as<double>();
  config.seed = values["seed"].as<std::uint64_t>();
  config.greedy =
      values.count("greedy") || !(values.count("temperature") || values.count("top-k") || values.count("top-p"));
  if (values.count("temperature")) config.temperature = values["temperature"].as<double>();
  if (values.count("top-k")) config.top_k = values["top-k"].as<std::int64_t>();
  if (values.count("top-p")) config.top_p = values["top-p"].as<double>();
  return config;
}

std::unique_ptr<TemplateStage> make_chat_template(const std::string& name, const std::optional<std::string>& system,
                                                  const ModelStage& model) {
  const PluginInfo* plugin = plugin_registry().find("template", name);
  if (plugin == nullptr) throw Error(fmt::format("no template plugin \"{}\" (see `tunepipe plugins`)", name));
  std::vector<std::string> assignments{"max_length=0"};
  if (system) assignments.push_back("system=" + *system);
  StageConfig config{"template", "template", plugin, options_from_assignments(*plugin, "template", assignments)};
  StageContext context;
  context.model = &model;
  return create_stage<TemplateStage>(config, context);
}

std::optional<std::string> chosen_template(const po::variables_map& values, const LoadedModel& model) {
  if (values.count("template")) return values["template"].as<std::string>();
  const bool ships_one =
      call_plugin("model", model.plugin, [&] { return model.stage->chat_template("").has_value(); });
  return ships_one ? std::optional<std::string>("jinja") : std::nullopt;
}

std::vector<std::string> stop_strings(const po::variables_map& values) {
  return values.count("stop") ? values["stop"].as<std::vector<std::string>>() : std::vector<std::string>{};
}

void stop_at_strings(GenerationConfig& config, std::shared_ptr<const Tokenizer> tokenizer,
                     std::vector<std::string> strings) {
  if (strings.empty()) return;
  if (!tokenizer) throw UsageError("--stop needs a text prompt: the completion is decoded with the model's tokenizer");
  for (const std::string& stop : strings)
    if (stop.empty()) throw UsageError("--stop needs a non-empty text");
  config.should_stop = [tokenizer = std::move(tokenizer), strings = std::move(strings)](const auto& completion) {
    return first_stop_string(decoded(*tokenizer, completion), strings) != std::string::npos;
  };
}

}  // namespace tp::core::cli
