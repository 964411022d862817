#include "tunepipe/template.hpp"

#include "tunepipe/tokenizer.hpp"

namespace tp {

namespace {

const auto kMaxLength =
    int_key("max_length", 1024, "tokens kept per sample; longer samples are cut (0: no limit)").range(0, std::nullopt);
const auto kTruncationSide =
    choice_key("truncation_side", "right", {"right", "left"},
               "which end of a too-long sample is cut: right keeps the start, left keeps the end");
const auto kTrainOn =
    choice_key("train_on", "responses", {"responses", "last_response"}, "which assistant turns the loss covers");

}  // namespace

const OptionKey<std::string>& template_system_key() {
  static const auto key = string_key("system", "", "system prompt used when a record brings none (\"\" for none)");
  return key;
}

OptionSchema template_common_schema(std::string default_system) {
  return schema_of(template_system_key().with_default(std::move(default_system)), kMaxLength, kTruncationSide,
                   kTrainOn);
}

TemplateStage::TemplateStage(const Options& options)
    : default_system_(template_system_key().read(options)),
      max_length_(static_cast<std::size_t>(kMaxLength.read(options))),
      truncation_side_(parse_truncation_side(kTruncationSide.read(options))),
      last_turn_only_(kTrainOn.read(options) == "last_response") {}

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
