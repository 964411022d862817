#include "jinja_template.hpp"

#include <fmt/format.h>

#include <fstream>
#include <sstream>

#include "chat_messages.hpp"
#include "family_schema.hpp"
#include "python_strip.hpp"
#include "segment_builder.hpp"
#include "trained_spans.hpp"
#include "tunepipe/chat_template.hpp"
#include "tunepipe/model.hpp"
#include "tunepipe/option_key.hpp"

namespace {

using tp::templates::AssistantTurn;

const auto kChatTemplate =
    tp::path_key("chat_template", tp::PathKind::ExistingFile, "",
                 "a .jinja file to render instead of the model's own template (\"\": the model folder's "
                 "chat_template.jinja, else tokenizer_config.json's chat_template)");
const auto kName =
    tp::string_key("name", "", "which of the model's named templates to render, e.g. \"tool_use\" (\"\": the default)");
const auto kBosToken =
    tp::string_key("bos_token", "", "the bos_token the template sees (default: the model tokenizer's)");
const auto kEosToken =
    tp::string_key("eos_token", "", "the eos_token the template sees (default: the model tokenizer's)");

tp::ModelChatTemplate chosen_template(const tp::Options& options, const tp::StageContext& context) {
  const std::filesystem::path file = kChatTemplate.read(options);
  const std::string& name = kName.read(options);
  if (!file.empty()) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw tp::Error(kChatTemplate.location(options), options.context() + "cannot read " + file.string());
    std::stringstream text;
    text << in.rdbuf();
    tp::ModelChatTemplate chosen{text.str(), file.string()};
    if (context.model) chosen.tokens = tp::template_tokens(*context.model->tokenizer());
    return chosen;
  }
  if (!context.model)
    throw tp::Error(options.section_location(),
                    options.context() + "no model to take the chat template from: set chat_template = \"FILE.jinja\"");
  std::optional<tp::ModelChatTemplate> found = context.model->chat_template(name);
  if (!found)
    throw tp::Error(options.section_location(),
                    options.context() + fmt::format("{} ships no chat template (no chat_template.jinja, no "
                                                    "chat_template in tokenizer_config.json): set chat_template = "
                                                    "\"FILE.jinja\" or use a family template plugin",
                                                    context.model->info().path.string()));
  return *found;
}

// The special tokens the pipeline sets replace the model's.
nlohmann::ordered_json with_token_options(const tp::Options& options, nlohmann::ordered_json tokens) {
  for (const auto* key : {&kBosToken, &kEosToken})
    if (!key->is_default(options)) tokens[key->name()] = key->read(options);
  return tokens;
}

}  // namespace

JinjaTemplate::JinjaTemplate(const tp::Options& options, const tp::StageContext& context)
    : JinjaTemplate(options, chosen_template(options, context)) {}

JinjaTemplate::JinjaTemplate(const tp::Options& options, tp::ModelChatTemplate chosen)
    : TemplateStage(options),
      template_(chosen.source, chosen.origin),
      tokens_(with_token_options(options, std::move(chosen.tokens))),
      stop_strings_(find_stop_strings()) {}

tp::OptionSchema JinjaTemplate::schema() {
  tp::OptionSchema schema = tp::templates::family_schema(
      "", "no system message, so the template renders what it does without one (many insert a default)");
  schema.extend(tp::schema_of(kChatTemplate, kName, kBosToken, kEosToken));
  return schema;
}

tp::jinja::Rendering JinjaTemplate::render_turns(const tp::Conversation& conversation, std::size_t turns,
                                                 bool add_generation_prompt) const {
  const auto messages = tp::templates::chat_messages(system_prompt(conversation), conversation, turns);
  return template_.render(tp::templates::chat_variables(messages, add_generation_prompt, tokens_));
}

std::vector<tp::Segment> JinjaTemplate::render(const tp::Conversation& conversation) const {
  const tp::jinja::Rendering full = render_turns(conversation, conversation.turns.size(), false);
  const std::size_t system_messages = system_prompt(conversation).empty() ? 0 : 1;
  std::vector<AssistantTurn> trained;
  std::size_t assistant_turns = 0;
  for (std::size_t i = 0; i < conversation.turns.size(); ++i) {
    if (conversation.turns[i].role != tp::Role::Assistant) continue;
    if (is_trained(conversation, i)) trained.push_back(AssistantTurn{i, assistant_turns, system_messages + i});
    ++assistant_turns;
  }
  const auto spans = tp::templates::trained_spans(
      full, trained, assistant_turns,
      [&](std::size_t messages, bool prompt) { return render_turns(conversation, messages - system_messages, prompt); },
      template_.name());
  tp::templates::SegmentBuilder out;
  std::size_t at = 0;
  for (const auto& [begin, end] : spans) {
    out.add(std::string_view(full.text).substr(at, begin - at), false);
    out.add(std::string_view(full.text).substr(begin, end - begin), true);
    at = end;
  }
  out.add(std::string_view(full.text).substr(at), false);
  return out.take();
}

std::vector<tp::Segment> JinjaTemplate::render_prompt(const tp::Conversation& conversation) const {
  return {tp::Segment{render_turns(conversation, conversation.turns.size(), true).text, false}};
}

// The text the template writes after an answer (e.g. "<|im_end|>"), found by
// rendering a probe exchange, and the EOS token.
std::vector<std::string> JinjaTemplate::find_stop_strings() const {
  std::vector<std::string> stops;
  try {
    tp::Conversation probe;
    probe.turns = {{tp::Role::User, "Is this a probe?", false}, {tp::Role::Assistant, "It is a probe.", true}};
    const std::string prompt = render_turns(probe, 1, true).text;
    const std::string answered = render_turns(probe, 2, false).text;
    const std::size_t answer = answered.find(probe.turns[1].content, prompt.size());
    if (answered.starts_with(prompt) && answer != std::string::npos) {
      const std::string marker(
          tp::templates::python_strip(std::string_view(answered).substr(answer + probe.turns[1].content.size())));
      if (!marker.empty()) stops.push_back(marker);
    }
  } catch (const tp::Error&) {
    // A template that refuses this exchange (e.g. one requiring a system message) still stops at EOS.
  }
  if (tokens_.contains("eos_token") && tokens_["eos_token"].is_string()) {
    const std::string eos = tokens_["eos_token"].get<std::string>();
    if (!eos.empty() && std::find(stops.begin(), stops.end(), eos) == stops.end()) stops.push_back(eos);
  }
  return stops;
}
