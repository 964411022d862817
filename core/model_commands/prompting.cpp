#include "prompting.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "pipeline/pipeline.hpp"
#include "run/stage_factory.hpp"

namespace tp::core::cli {
namespace po = boost::program_options;

void add_generation_options(po::options_description& options) {
  options.add_options()("max-new-tokens", po::value<std::int64_t>()->default_value(128), "tokens to generate at most")(
      "greedy", "always take the most likely token (default unless a sampling option is given)")(
      "temperature", po::value<double>(), "sample with this temperature")(
      "top-k", po::value<std::int64_t>(), "sample from the k most likely tokens")(
      "top-p", po::value<double>(), "sample from the smallest set holding this probability mass")(
      "repetition-penalty", po::value<double>()->default_value(1.0), "penalise tokens already seen (HF's rule)")(
      "seed", po::value<std::uint64_t>()->default_value(0), "seed for sampling")(
      "dtype", po::value<std::string>()->default_value("fp32"), "fp32, bf16 or fp16")(
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

std::unique_ptr<TemplateStage> make_chat_template(const std::string& name, const std::optional<std::string>& system) {
  const PluginInfo* plugin = plugin_registry().find("template", name);
  if (plugin == nullptr) throw Error(fmt::format("no template plugin \"{}\" (see `tunepipe plugins`)", name));
  std::vector<std::string> assignments{"max_length=0"};
  if (system) assignments.push_back("system=" + *system);
  StageConfig config{"template", "template", plugin, options_from_assignments(*plugin, "template", assignments)};
  return create_stage<TemplateStage>(config, StageContext{});
}

std::vector<std::int64_t> stop_token_ids(const DecoderConfig& model, const Tokenizer& tokenizer,
                                         const TemplateStage* chat_template) {
  std::vector<std::int64_t> stops = model.eos_token_ids;
  auto add = [&](std::optional<std::int32_t> id) {
    if (id && std::find(stops.begin(), stops.end(), *id) == stops.end()) stops.push_back(*id);
  };
  add(tokenizer.special_tokens().eos);
  if (chat_template)
    for (const std::string& stop : chat_template->stop_strings()) add(tokenizer.token_to_id(stop));
  return stops;
}

std::vector<std::int64_t> prompt_ids(const TemplateStage& chat_template, const Tokenizer& tokenizer,
                                     const Conversation& conversation) {
  const auto segments = chat_template.render_prompt(conversation);
  const auto ids = tokenize_segments(tokenizer, segments, 0, TruncationSide::Right).input_ids;
  return {ids.begin(), ids.end()};
}

std::string answer_text(const Tokenizer& tokenizer, std::vector<std::int64_t> completion,
                        const std::vector<std::int64_t>& stops) {
  if (!completion.empty() && std::find(stops.begin(), stops.end(), completion.back()) != stops.end())
    completion.pop_back();
  const std::vector<std::int32_t> ids(completion.begin(), completion.end());
  return tokenizer.decode(ids, true);
}

}  // namespace tp::core::cli
