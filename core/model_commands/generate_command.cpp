// `tunepipe generate`: the completion of one prompt, raw or in a chat template.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "cli/command.hpp"
#include "model_commands.hpp"
#include "model_loading.hpp"
#include "prompting.hpp"
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
    "--model DIR [--adapter DIR] (--prompt TEXT | --prompt-ids IDS) [--template NAME | --raw] [--system TEXT] [--max-new-tokens N] "
    "[--greedy | --temperature T --top-k K --top-p P --seed S] [--repetition-penalty R] [--dtype D] [--device D] "
    "[--print-ids] [--ignore-eos] [--timings]";

using Clock = std::chrono::steady_clock;

double seconds(Clock::duration duration) { return std::chrono::duration<double>(duration).count(); }

// --timings: the decode loop is inside tp::generate(), so the end of the prefill is
// timestamped through the per-token stop check, which runs as each new token is chosen.
void stamp_first_token(GenerationConfig& config, Clock::time_point& first_token) {
  config.should_stop = [&first_token, inner = config.should_stop](const std::vector<std::int64_t>& completion) {
    if (completion.size() == 1) first_token = Clock::now();
    return inner && inner(completion);
  };
}

void print_timings(double load_s, std::size_t prompt_tokens, double prefill_s, std::size_t new_tokens,
                   double decode_s) {
  fmt::print(stderr,
             "{{\"load_s\": {:.6f}, \"prompt_tokens\": {}, \"prefill_s\": {:.6f}, \"new_tokens\": {}, "
             "\"decode_tokens\": {}, \"decode_s\": {:.6f}}}\n",
             load_s, prompt_tokens, prefill_s, new_tokens, std::max<std::size_t>(new_tokens, 1) - 1, decode_s);
}

}  // namespace

int run_command_generate(const std::vector<std::string>& args) {
  po::options_description options("generate options");
  options.add_options()("model", po::value<std::string>()->required(), "HF checkpoint folder or GGUF file")(
      "adapter", po::value<std::string>(), kAdapterHelp)(
      "prompt", po::value<std::string>(),
      "the prompt text, a user turn in the chat template (the model's own unless --template; raw with --raw or "
      "when the model ships none)")(
      "raw", "the prompt as it is, in no chat template")(
      "prompt-ids", po::value<std::string>(), "the prompt as space-separated token ids")(
      "template", po::value<std::string>(),
      "chat template plugin that wraps the prompt as a user turn (default: jinja, the model's own template)")(
      "system", po::value<std::string>(), "system prompt for the template (default: the template's)")(
      "print-ids", "print the generated token ids instead of text")(
      "ignore-eos", "generate --max-new-tokens tokens, through stop tokens (for benchmarks)")(
      "timings", "print load, prefill and decode seconds as one JSON line on stderr (after an untimed 1-token run)");
  add_generation_options(options);
  const ParsedArgs parsed = parse_command_line("generate", kUsage, options, {}, args);
  if (parsed.help_shown) return 0;
  const po::variables_map& values = parsed.values;
  if (values.count("prompt") == values.count("prompt-ids"))
    throw UsageError("give exactly one of --prompt and --prompt-ids");

  const auto load_start = Clock::now();
  const LoadedModel loaded = load_model(values["model"].as<std::string>(), values["dtype"].as<std::string>(),
                                        values["device"].as<std::string>(), adapter_option(values));
  const double load_s = seconds(Clock::now() - load_start);
  GenerationConfig config = generation_config(values);
  config.pad_token_id = loaded.model->config().pad_token_id.value_or(0);
  config.stop_token_ids = loaded.model->config().eos_token_ids;

  std::vector<std::int64_t> prompt;
  std::shared_ptr<const Tokenizer> tokenizer;
  if (values.count("prompt-ids")) {
    prompt = parse_token_ids(values["prompt-ids"].as<std::string>(), Location{"--prompt-ids"});
  } else {
    tokenizer = call_plugin("model", loaded.plugin, [&] { return loaded.stage->tokenizer(); });
    const std::string text = values["prompt"].as<std::string>();
    if (values.count("raw") && values.count("template")) throw UsageError("give at most one of --raw and --template");
    const std::optional<std::string> template_name =
        values.count("raw") ? std::nullopt : chosen_template(values, loaded);
    if (template_name) {
      const std::optional<std::string> system =
          values.count("system") ? std::optional(values["system"].as<std::string>()) : std::nullopt;
      const auto chat_template = make_chat_template(*template_name, system, *loaded.stage);
      Conversation conversation;
      conversation.turns.push_back(Turn{Role::User, text, false});
      prompt = prompt_ids(*chat_template, *tokenizer, conversation);
      config.stop_token_ids = stop_token_ids(loaded.model->config(), *tokenizer, chat_template.get());
    } else {
      const auto ids = tokenizer->encode(text, true);
      prompt.assign(ids.begin(), ids.end());
      config.stop_token_ids = stop_token_ids(loaded.model->config(), *tokenizer, nullptr);
    }
  }
  if (prompt.empty()) throw UsageError("the prompt has no tokens");
  if (values.count("ignore-eos")) config.stop_token_ids.clear();
  const std::vector<std::string> stops = stop_strings(values);
  stop_at_strings(config, tokenizer, stops);

  const bool timings = values.count("timings") > 0;
  Clock::time_point first_token;
  if (timings) {
    GenerationConfig warm_up = config;  // pays the one-time costs of a first forward
    warm_up.max_new_tokens = 1;
    call_plugin("model", loaded.plugin, [&] { return generate(*loaded.model, {prompt}, warm_up); });
    stamp_first_token(config, first_token);
  }
  const auto generate_start = Clock::now();
  const auto outputs = call_plugin("model", loaded.plugin, [&] { return generate(*loaded.model, {prompt}, config); });
  const auto generate_end = Clock::now();
  const std::vector<std::int64_t>& completion = outputs.at(0);
  if (timings)
    print_timings(load_s, prompt.size(), seconds(first_token - generate_start), completion.size(),
                  seconds(generate_end - first_token));
  if (values.count("print-ids") || !tokenizer) {
    std::string line;
    for (std::size_t i = 0; i < completion.size(); ++i) line += (i ? " " : "") + std::to_string(completion[i]);
    fmt::print("{}\n", line);
    return 0;
  }
  fmt::print("{}\n", answer_text(*tokenizer, completion, config.stop_token_ids, stops));
  return 0;
}

}  // namespace tp::core::cli
