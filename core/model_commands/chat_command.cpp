// `tunepipe chat`: talk to a model turn by turn in its family's chat template.
// Each line on standard input is a user turn; each answer is printed on its own
// line. /reset forgets the conversation, /exit (or the end of input) stops.
// With --batch N each line is instead a one-turn conversation of its own, and
// N of them are answered together in one left-padded batch.
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

namespace {

// Everything an answer needs: the model, its tokenizer and template, how to generate.
struct Chat {
  LoadedModel loaded;
  std::shared_ptr<const Tokenizer> tokenizer;
  std::unique_ptr<TemplateStage> chat_template;
  GenerationConfig config;
  std::vector<std::string> stop_strings;
};

Chat open_chat(const po::variables_map& values) {
  Chat chat;
  chat.loaded = load_model(values["model"].as<std::string>(), values["dtype"].as<std::string>(),
                           values["device"].as<std::string>(), adapter_option(values));
  chat.tokenizer = call_plugin("model", chat.loaded.plugin, [&] { return chat.loaded.stage->tokenizer(); });
  const std::optional<std::string> system =
      values.count("system") ? std::optional(values["system"].as<std::string>()) : std::nullopt;
  const std::optional<std::string> template_name = chosen_template(values, chat.loaded);
  if (!template_name)
    throw UsageError(fmt::format("{} ships no chat template: give --template NAME (chatml, ernie, llama3, …)",
                                 values["model"].as<std::string>()));
  chat.chat_template = make_chat_template(*template_name, system, *chat.loaded.stage);
  const DecoderConfig& model = chat.loaded.model->config();
  chat.config = generation_config(values);
  chat.config.pad_token_id = model.pad_token_id.value_or(0);
  chat.config.stop_token_ids = stop_token_ids(model, *chat.tokenizer, chat.chat_template.get());
  chat.stop_strings = stop_strings(values);
  stop_at_strings(chat.config, chat.tokenizer, chat.stop_strings);
  return chat;
}

// The next answer of every conversation, generated in one batch.
std::vector<std::string> answers(const Chat& chat, const std::vector<Conversation>& conversations) {
  std::vector<std::vector<std::int64_t>> prompts;
  for (const Conversation& conversation : conversations)
    prompts.push_back(prompt_ids(*chat.chat_template, *chat.tokenizer, conversation));
  const auto outputs =
      call_plugin("model", chat.loaded.plugin, [&] { return generate(*chat.loaded.model, prompts, chat.config); });
  std::vector<std::string> texts;
  for (const auto& completion : outputs)
    texts.push_back(answer_text(*chat.tokenizer, completion, chat.config.stop_token_ids, chat.stop_strings));
  return texts;
}

void converse(const Chat& chat, const std::string& model_dir) {
  const bool interactive = ::isatty(STDIN_FILENO) && ::isatty(STDOUT_FILENO);
  if (interactive) fmt::print("chat with {} — /reset starts over, /exit or Ctrl-D stops\n", model_dir);
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
    const std::string answer = answers(chat, {conversation}).at(0);
    fmt::print("{}\n", answer);
    conversation.turns.push_back(Turn{Role::Assistant, answer, false});
  }
}

void answer_in_batches(const Chat& chat, std::size_t batch_size) {
  std::vector<Conversation> pending;
  const auto answer_pending = [&] {
    for (const std::string& answer : answers(chat, pending)) fmt::print("{}\n", answer);
    std::fflush(stdout);
    pending.clear();
  };
  std::string line;
  while (std::getline(std::cin, line) && line != "/exit") {
    if (line.empty()) continue;
    pending.push_back(Conversation{});
    pending.back().turns.push_back(Turn{Role::User, line, false});
    if (pending.size() == batch_size) answer_pending();
  }
  if (!pending.empty()) answer_pending();
}

}  // namespace

int run_command_chat(const std::vector<std::string>& args) {
  po::options_description options("chat options");
  options.add_options()("model", po::value<std::string>()->required(), "HF checkpoint folder or GGUF file")(
      "adapter", po::value<std::string>(), kAdapterHelp)(
      "template", po::value<std::string>(),
      "chat template plugin (chatml, ernie, …; default: jinja, the model's own template)")(
      "system", po::value<std::string>(), "system prompt (default: the template's)")(
      "batch", po::value<std::int64_t>(), "answer each line as its own one-turn conversation, this many per batch");
  add_generation_options(options);
  const ParsedArgs parsed = parse_command_line(
      "chat", "--model DIR [--adapter DIR] [--template NAME] [--system TEXT] [--batch N] [generation options] < turns",
      options, {}, args);
  if (parsed.help_shown) return 0;
  const po::variables_map& values = parsed.values;
  const std::int64_t batch = values.count("batch") ? values["batch"].as<std::int64_t>() : 0;
  if (values.count("batch") && batch < 1) throw UsageError("--batch needs a size of at least 1");

  const Chat chat = open_chat(values);
  if (batch > 0)
    answer_in_batches(chat, static_cast<std::size_t>(batch));
  else
    converse(chat, values["model"].as<std::string>());
  return 0;
}

}  // namespace tp::core::cli
