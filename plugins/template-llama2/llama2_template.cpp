#include "llama2_template.hpp"

#include <fmt/format.h>

#include "family_schema.hpp"
#include "python_strip.hpp"
#include "segment_builder.hpp"
#include "tunepipe/error.hpp"

namespace {

void require_alternating_roles(const tp::Conversation& conversation) {
  for (std::size_t i = 0; i < conversation.turns.size(); ++i) {
    const tp::Role expected = i % 2 == 0 ? tp::Role::User : tp::Role::Assistant;
    if (conversation.turns[i].role != expected)
      throw tp::Error(tp::Location{conversation.source},
                      fmt::format("turn {} is from the {} but Llama 2 chat needs turns that alternate "
                                  "user/assistant/user/…, starting with the user",
                                  i + 1, tp::to_string(conversation.turns[i].role)));
  }
}

}  // namespace

Llama2Template::Llama2Template(const tp::Options& options, const tp::StageContext&) : TemplateStage(options) {}

tp::OptionSchema Llama2Template::schema() {
  return tp::templates::family_schema(
      "", "no <<SYS>> block at all, as the Llama 2 chat template renders a conversation without a system "
          "message (an empty system message there would leave an empty <<SYS>> block)");
}

std::vector<tp::Segment> Llama2Template::render_exchanges(const tp::Conversation& conversation,
                                                          bool allow_training) const {
  require_alternating_roles(conversation);
  tp::templates::SegmentBuilder out;
  const std::string& system = system_prompt(conversation);
  for (std::size_t i = 0; i < conversation.turns.size(); ++i) {
    const tp::Turn& turn = conversation.turns[i];
    if (turn.role == tp::Role::User) {
      std::string content = turn.content;
      if (i == 0 && !system.empty()) content = "<<SYS>>\n" + system + "\n<</SYS>>\n\n" + content;
      out.add(fmt::format("<s>[INST] {} [/INST]", tp::templates::python_strip(content)), false);
    } else {
      const bool trained = allow_training && is_trained(conversation, i);
      out.add(fmt::format(" {} </s>", tp::templates::python_strip(turn.content)), trained);
    }
  }
  return out.take();
}

std::vector<tp::Segment> Llama2Template::render(const tp::Conversation& conversation) const {
  return render_exchanges(conversation, true);
}

// The prompt ends with the user's [/INST]: Llama 2 has no assistant header.
std::vector<tp::Segment> Llama2Template::render_prompt(const tp::Conversation& conversation) const {
  return render_exchanges(conversation, false);
}

std::vector<std::string> Llama2Template::stop_strings() const { return {"</s>"}; }
