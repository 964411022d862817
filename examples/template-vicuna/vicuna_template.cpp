#include "vicuna_template.hpp"

namespace example {

namespace {
constexpr const char* kDefaultSystem =
    "A chat between a curious user and an artificial intelligence assistant. The assistant gives helpful, detailed, "
    "and polite answers to the user's questions.";
}

VicunaTemplate::VicunaTemplate(const tp::Options& options, const tp::StageContext&) : tp::TemplateStage(options) {}

tp::OptionSchema VicunaTemplate::schema() { return tp::template_common_schema(kDefaultSystem); }

std::vector<tp::Segment> VicunaTemplate::render_turns(const tp::Conversation& conversation, bool prompt) const {
  std::vector<tp::Segment> segments;
  std::string pending = system_prompt(conversation);
  if (!pending.empty()) pending += " ";
  for (std::size_t i = 0; i < conversation.turns.size(); ++i) {
    const tp::Turn& turn = conversation.turns[i];
    if (turn.role == tp::Role::User) {
      pending += "USER: " + turn.content + " ASSISTANT:";
      continue;
    }
    segments.push_back({pending, false});
    pending.clear();
    segments.push_back({" " + turn.content + "</s>", !prompt && is_trained(conversation, i)});
  }
  if (!pending.empty()) segments.push_back({pending, false});
  return segments;
}

std::vector<tp::Segment> VicunaTemplate::render(const tp::Conversation& conversation) const {
  return render_turns(conversation, false);
}

std::vector<tp::Segment> VicunaTemplate::render_prompt(const tp::Conversation& conversation) const {
  return render_turns(conversation, true);
}

}  // namespace example
