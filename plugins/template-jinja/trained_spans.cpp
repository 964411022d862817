#include "trained_spans.hpp"

#include <fmt/format.h>

#include "python_strip.hpp"
#include "tunepipe/error.hpp"

namespace tp::templates {
namespace {

bool is_continuation_byte(char c) { return (static_cast<unsigned char>(c) & 0xc0) == 0x80; }

// The last characters of `text`, cut on a character boundary.
std::string tail_of(std::string_view text) {
  constexpr std::size_t kShown = 40;
  if (text.size() <= kShown) return std::string(text);
  std::size_t from = text.size() - kShown;
  while (from < text.size() && is_continuation_byte(text[from])) ++from;
  return "…" + std::string(text.substr(from));
}

std::size_t trimmed_end(std::string_view text, std::size_t begin, std::size_t end) {
  const std::string_view delta = text.substr(begin, end - begin);
  const std::string_view kept = python_strip(delta);
  if (kept.empty()) return end;
  return begin + static_cast<std::size_t>(kept.data() - delta.data()) + kept.size();
}

}  // namespace

std::vector<std::pair<std::size_t, std::size_t>> trained_spans(const jinja::Rendering& full,
                                                               const std::vector<AssistantTurn>& turns,
                                                               std::size_t assistant_turns_in_conversation,
                                                               const PrefixRenderer& render_prefix,
                                                               const std::string& template_name) {
  std::vector<std::pair<std::size_t, std::size_t>> spans;
  if (!full.generation_spans.empty()) {
    if (full.generation_spans.size() != assistant_turns_in_conversation)
      throw Error(Location{template_name},
                  fmt::format("the template's {{% generation %}} blocks wrote {} spans for {} assistant turns",
                              full.generation_spans.size(), assistant_turns_in_conversation));
    for (const AssistantTurn& turn : turns) spans.push_back(full.generation_spans.at(turn.ordinal));
    return spans;
  }
  for (const AssistantTurn& turn : turns) {
    const std::string prompt = render_prefix(turn.message_count, true).text;
    const std::string with_answer = render_prefix(turn.message_count + 1, false).text;
    const std::size_t number = turn.turn_index + 1;
    if (!with_answer.starts_with(prompt))
      throw Error(Location{template_name},
                  fmt::format("turn {}: the template's generation prompt (ending \"{}\") is not how it renders the "
                              "start of that assistant turn, so its trained text cannot be found; use a family "
                              "template plugin or a template with {{% generation %}} blocks",
                              number, tail_of(prompt)));
    if (!full.text.starts_with(with_answer))
      throw Error(Location{template_name},
                  fmt::format("turn {}: the template is not prefix-stable: the conversation up to this answer renders "
                              "differently inside the whole conversation (the template rewrites earlier turns), so "
                              "its mask would be wrong; train only the last answer (train_on = \"last_response\"), "
                              "or use a template with {{% generation %}} blocks",
                              number));
    spans.emplace_back(prompt.size(), trimmed_end(full.text, prompt.size(), with_answer.size()));
  }
  return spans;
}

}  // namespace tp::templates
