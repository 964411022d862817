#pragma once
// The shape most chat formats share: optional leading text, then every message
// wrapped in text that depends on its role. The answer and the text that ends
// it are trained together; the header before it and the separator after it
// are not. Formats that interleave roles differently (llama2, yuan) render
// themselves.
#include <string>
#include <vector>

#include "tunepipe/conversation.hpp"
#include "tunepipe/sample.hpp"
#include "tunepipe/template.hpp"

namespace tp::templates {

struct RoleFormat {
  std::string begin;  // once, before everything (e.g. a BOS token written as text)
  std::string system_prefix, system_suffix;
  bool render_empty_system = false;  // false: an empty system prompt leaves no trace
  std::string user_prefix, user_suffix;
  bool render_empty_user = true;  // false: a user message with no content is left out
  std::string assistant_header;   // before the answer, never trained
  std::string assistant_end;      // after the answer, trained with it
  std::string assistant_suffix;   // after the end, never trained
  bool strip_content = false;     // strip whitespace around every message, as `| trim` does
};

// The whole conversation, answers trained as stage.is_trained says.
std::vector<Segment> render_roles(const RoleFormat& format, const TemplateStage& stage,
                                  const Conversation& conversation);

// The conversation followed by the header of the next answer, nothing trained.
std::vector<Segment> render_roles_prompt(const RoleFormat& format, const TemplateStage& stage,
                                         const Conversation& conversation);

}  // namespace tp::templates
