#include "tunepipe/template.hpp"

#include "tunepipe/tokenizer.hpp"

namespace tp {

OptionSchema template_common_schema(std::string default_system) {
  OptionSchema schema;
  schema.add(string_option("system", std::move(default_system),
                           "system prompt used when a record brings none (\"\" for none)"));
  schema.add(int_option("max_length", 1024, "tokens kept per sample; longer samples are cut (0: no limit)"))
      .range(0, std::nullopt);
  schema.add(choice_option("truncation_side", "right", {"right", "left"},
                           "which end of a too-long sample is cut: right keeps the start, left keeps the end"));
  schema.add(choice_option("train_on", "responses", {"responses", "last_response"},
                           "which assistant turns the loss covers"));
  return schema;
}

TemplateStage::TemplateStage(const Options& options)
    : default_system_(options.get_string("system")),
      max_length_(static_cast<std::size_t>(options.get_int("max_length"))),
      truncation_side_(parse_truncation_side(options.get_string("truncation_side"))),
      last_turn_only_(options.get_string("train_on") == "last_response") {}

const std::string& TemplateStage::system_prompt(const Conversation& conversation) const {
  return conversation.system.empty() ? default_system_ : conversation.system;
}

bool TemplateStage::is_trained(const Conversation& conversation, std::size_t turn_index) const {
  const Turn& turn = conversation.turns.at(turn_index);
  if (turn.role != Role::Assistant || !turn.trained) return false;
  if (!last_turn_only_) return true;
  for (std::size_t i = turn_index + 1; i < conversation.turns.size(); ++i)
    if (conversation.turns[i].role == Role::Assistant) return false;
  return true;
}

TokenizedSample TemplateStage::tokenize(const Conversation& conversation, const Tokenizer& tokenizer) const {
  const std::vector<Segment> segments = render(conversation);
  TokenizedSample sample = tokenize_segments(tokenizer, segments, max_length_, truncation_side_);
  sample.source = conversation.source;
  return sample;
}

}  // namespace tp
