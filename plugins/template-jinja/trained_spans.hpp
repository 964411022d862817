#pragma once
// Where a rendered conversation's assistant turns are, for the loss mask:
// from {% generation %} blocks where the template has them, else from the
// deltas of rendering growing prefixes of the conversation, checked to be
// prefix-stable (a template that rewrites earlier turns is an error naming
// the turn, never a wrong mask).
#include <cstddef>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "tunepipe/jinja.hpp"

namespace tp::templates {

struct AssistantTurn {
  std::size_t turn_index;     // in the conversation's turns
  std::size_t ordinal;        // among the conversation's assistant turns
  std::size_t message_count;  // messages before it (system included)
};

// Renders the first `message_count` messages, with or without the generation prompt.
using PrefixRenderer = std::function<jinja::Rendering(std::size_t message_count, bool add_generation_prompt)>;

// [begin, end) of each given turn's trained text in `full` (the whole
// conversation's rendering): its content and end-of-turn text, without the
// whitespace that separates it from the next message.
std::vector<std::pair<std::size_t, std::size_t>> trained_spans(const jinja::Rendering& full,
                                                               const std::vector<AssistantTurn>& turns,
                                                               std::size_t assistant_turns_in_conversation,
                                                               const PrefixRenderer& render_prefix,
                                                               const std::string& template_name);

}  // namespace tp::templates
