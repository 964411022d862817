#include "yuan_template.hpp"

#include "family_schema.hpp"
#include "segment_builder.hpp"

namespace {

constexpr const char* kJoin = "<n>";
constexpr const char* kAnswerFollows = "<sep>";
constexpr const char* kEnd = "<eod>";

}  // namespace

YuanTemplate::YuanTemplate(const tp::Options& options, const tp::StageContext&) : TemplateStage(options) {}

tp::OptionSchema YuanTemplate::schema() {
  return tp::templates::family_schema("", "the conversation starts with the first user message");
}

// For a prompt, every message is history: joined by <n>, nothing trained, and
// <sep> after the last one asks for the answer.
std::vector<tp::Segment> YuanTemplate::render_messages(const tp::Conversation& conversation, bool prompt) const {
  tp::templates::SegmentBuilder out;
  const std::string& system = system_prompt(conversation);
  out.add(system, false);
  bool first = system.empty();
  const std::size_t count = conversation.turns.size();
  for (std::size_t i = 0; i < count; ++i) {
    const tp::Turn& turn = conversation.turns[i];
    const bool final_answer = !prompt && i + 1 == count && turn.role == tp::Role::Assistant;
    if (!first) out.add(final_answer ? kAnswerFollows : kJoin, false);
    first = false;
    const bool trained = !prompt && turn.role == tp::Role::Assistant && is_trained(conversation, i);
    out.add(turn.content, trained);
    if (final_answer) out.add(kEnd, trained);
  }
  if (prompt) out.add(kAnswerFollows, false);
  return out.take();
}

std::vector<tp::Segment> YuanTemplate::render(const tp::Conversation& conversation) const {
  return render_messages(conversation, false);
}

std::vector<tp::Segment> YuanTemplate::render_prompt(const tp::Conversation& conversation) const {
  return render_messages(conversation, true);
}

std::vector<std::string> YuanTemplate::stop_strings() const { return {kEnd}; }
