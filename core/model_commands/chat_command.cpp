// `tunepipe chat`: talk to a model turn by turn in its family's chat template.
// Each line on standard input is a user turn; each answer is printed on its own
// line. /reset forgets the conversation, /exit (or the end of input) stops.
#include <fmt/format.h>
#include <unistd.h>

#include <iostream>

#include "cli/command.hpp"
#include "model_commands.hpp"
#include "model_loading.hpp"
#include "plugins/plugin_call.hpp"
#include "prompting.hpp"

namespace tp::core::cli {
namespace po = boost::program_options;

int run_command_chat(const std::vector<std::string>& args) {
  po::options_description options("chat options");
  options.add_options()("model", po::value<std::string>()->required(), "HF checkpoint folder")(
      "template", po::value<std::string>()->required(), "the model family's chat template plugin (chatml, ernie, …)")(
      "system", po::value<std::string>(), "system prompt (default: the template's)");
  add_generation_options(options);
  const ParsedArgs parsed =
      parse_command_line("chat", "--model DIR --template NAME [--system TEXT] [generation options] < turns", options,
                         {}, args);
  if (parsed.help_shown) return 0;
  const po::variables_map& values = parsed.values;

  const LoadedModel loaded = load_model(values["model"].as<std::string>(), values["dtype"].as<std::string>(),
                                        values["device"].as<std::string>());
  const auto tokenizer = call_plugin("model", "hf", [&] { return loaded.stage->tokenizer(); });
  const std::optional<std::string> system =
      values.count("system") ? std::optional(values["system"].as<std::string>()) : std::nullopt;
  const auto chat_template = make_chat_template(values["template"].as<std::string>(), system);
  GenerationConfig config = generation_config(values);
  config.pad_token_id = loaded.model->config().pad_token_id.value_or(0);
  config.stop_token_ids = stop_token_ids(loaded.model->config(), *tokenizer, chat_template.get());

  const bool interactive = ::isatty(STDIN_FILENO) && ::isatty(STDOUT_FILENO);
  if (interactive) fmt::print("chat with {} — /reset starts over, /exit or Ctrl-D stops\n", values["model"].as<std::string>());
  Conversation conversation;
  std::string line;
  while (true) {
    if (interactive) fmt::print("> ");
    std::fflush(stdout);
    if (!std::getline(std::cin, line) || line == "/exit") break;
    if (line == "/reset") {
      conversation.turns.clear();
      continue;
    }
    if (line.empty()) continue;
    conversation.turns.push_back(Turn{Role::User, line, false});
    const std::vector<std::int64_t> prompt = prompt_ids(*chat_template, *tokenizer, conversation);
    const auto outputs = call_plugin("model", "hf", [&] { return generate(*loaded.model, {prompt}, config); });
    const std::string answer = answer_text(*tokenizer, outputs.at(0), config.stop_token_ids);
    fmt::print("{}\n", answer);
    conversation.turns.push_back(Turn{Role::Assistant, answer, false});
  }
  return 0;
}

}  // namespace tp::core::cli
