// `tunepipe generate`: the completion of one prompt, raw or in a chat template.
#include <fmt/format.h>


#include "cli/command.hpp"
#include "model_commands.hpp"
#include "model_loading.hpp"
#include "pipeline/pipeline.hpp"
#include "plugins/plugin_call.hpp"
#include "run/stage_factory.hpp"
#include "tunepipe/generation.hpp"
#include "tunepipe/template.hpp"
#include "util/token_ids.hpp"

namespace tp::core::cli {
namespace po = boost::program_options;

namespace {

constexpr const char* kUsage =
    "--model DIR (--prompt TEXT | --prompt-ids IDS) [--template NAME [--system TEXT]] [--max-new-tokens N] "
    "[--greedy | --temperature T --top-k K --top-p P --seed S] [--repetition-penalty R] [--dtype D] [--device D] "
    "[--print-ids]";

std::unique_ptr<TemplateStage> make_template(const std::string& name, const po::variables_map& values) {
  const PluginInfo* plugin = plugin_registry().find("template", name);
  if (plugin == nullptr) throw Error(fmt::format("no template plugin \"{}\" (see `tunepipe plugins`)", name));
  std::vector<std::string> assignments{"max_length=0"};
  if (values.count("system")) assignments.push_back("system=" + values["system"].as<std::string>());
  StageConfig config{"template", "template", plugin, options_from_assignments(*plugin, "template", assignments)};
  return create_stage<TemplateStage>(config, StageContext{});
}

void add_stop(std::vector<std::int64_t>& stops, std::optional<std::int32_t> id) {
  if (id && std::find(stops.begin(), stops.end(), *id) == stops.end()) stops.push_back(*id);
}

}  // namespace

int run_command_generate(const std::vector<std::string>& args) {
  po::options_description options("generate options");
  options.add_options()("model", po::value<std::string>()->required(), "HF checkpoint folder")(
      "prompt", po::value<std::string>(), "the prompt text (raw unless --template is given)")(
      "prompt-ids", po::value<std::string>(), "the prompt as space-separated token ids")(
      "template", po::value<std::string>(), "chat template plugin that wraps the prompt as a user turn")(
      "system", po::value<std::string>(), "system prompt for the template (default: the template's)")(
      "max-new-tokens", po::value<std::int64_t>()->default_value(128), "tokens to generate at most")(
      "greedy", "always take the most likely token (default unless a sampling option is given)")(
      "temperature", po::value<double>(), "sample with this temperature")(
      "top-k", po::value<std::int64_t>(), "sample from the k most likely tokens")(
      "top-p", po::value<double>(), "sample from the smallest set holding this probability mass")(
      "repetition-penalty", po::value<double>()->default_value(1.0), "penalise tokens already seen (HF's rule)")(
      "seed", po::value<std::uint64_t>()->default_value(0), "seed for sampling")(
      "dtype", po::value<std::string>()->default_value("fp32"), "fp32, bf16 or fp16")(
      "device", po::value<std::string>()->default_value("auto"), "cpu, cuda, cuda:N or auto")(
      "print-ids", "print the generated token ids instead of text");
  const ParsedArgs parsed = parse_command_line("generate", kUsage, options, {}, args);
  if (parsed.help_shown) return 0;
  const po::variables_map& values = parsed.values;
  if (values.count("prompt") == values.count("prompt-ids"))
    throw UsageError("give exactly one of --prompt and --prompt-ids");

  const LoadedModel loaded = load_model(values["model"].as<std::string>(), values["dtype"].as<std::string>(),
                                        values["device"].as<std::string>());
  GenerationConfig config;
  config.max_new_tokens = values["max-new-tokens"].as<std::int64_t>();
  config.repetition_penalty = values["repetition-penalty"].as<double>();
  config.seed = values["seed"].as<std::uint64_t>();
  config.greedy = values.count("greedy") || !(values.count("temperature") || values.count("top-k") || values.count("top-p"));
  if (values.count("temperature")) config.temperature = values["temperature"].as<double>();
  if (values.count("top-k")) config.top_k = values["top-k"].as<std::int64_t>();
  if (values.count("top-p")) config.top_p = values["top-p"].as<double>();
  const DecoderConfig& decoder = loaded.model->config();
  config.stop_token_ids = decoder.eos_token_ids;
  config.pad_token_id = decoder.pad_token_id.value_or(0);

  std::vector<std::int64_t> prompt;
  std::shared_ptr<const Tokenizer> tokenizer;
  if (values.count("prompt-ids")) {
    prompt = parse_token_ids(values["prompt-ids"].as<std::string>(), Location{"--prompt-ids"});
  } else {
    tokenizer = call_plugin("model", "hf", [&] { return loaded.stage->tokenizer(); });
    add_stop(config.stop_token_ids, tokenizer->special_tokens().eos);
    const std::string text = values["prompt"].as<std::string>();
    std::vector<std::int32_t> ids;
    if (values.count("template")) {
      const auto chat_template = make_template(values["template"].as<std::string>(), values);
      Conversation conversation;
      conversation.turns.push_back(Turn{Role::User, text, false});
      const auto segments = chat_template->render_prompt(conversation);
      ids = tokenize_segments(*tokenizer, segments, 0, TruncationSide::Right).input_ids;
      for (const std::string& stop : chat_template->stop_strings()) add_stop(config.stop_token_ids, tokenizer->token_to_id(stop));
    } else {
      ids = tokenizer->encode(text, true);
    }
    prompt.assign(ids.begin(), ids.end());
  }
  if (prompt.empty()) throw UsageError("the prompt has no tokens");

  const auto outputs = call_plugin("model", "hf", [&] { return generate(*loaded.model, {prompt}, config); });
  std::vector<std::int64_t> completion = outputs.at(0);
  if (values.count("print-ids") || !tokenizer) {
    std::string line;
    for (std::size_t i = 0; i < completion.size(); ++i) line += (i ? " " : "") + std::to_string(completion[i]);
    fmt::print("{}\n", line);
    return 0;
  }
  if (!completion.empty() && std::find(config.stop_token_ids.begin(), config.stop_token_ids.end(), completion.back()) !=
                                 config.stop_token_ids.end())
    completion.pop_back();
  const std::vector<std::int32_t> ids(completion.begin(), completion.end());
  fmt::print("{}\n", tokenizer->decode(ids, true));
  return 0;
}

}  // namespace tp::core::cli
