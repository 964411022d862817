#pragma once
// A conversation as the variables a Jinja chat template is rendered with, in
// the form transformers' apply_chat_template passes them.
#include <cstddef>
#include <string>

#include <nlohmann/json.hpp>

#include "tunepipe/conversation.hpp"

namespace tp::templates {

// [{"role": "system", …} when `system` is not empty, then the first `turns` turns].
nlohmann::ordered_json chat_messages(const std::string& system, const Conversation& conversation, std::size_t turns);

// messages, tools (none), documents (none), add_generation_prompt and the special-token strings.
nlohmann::ordered_json chat_variables(const nlohmann::ordered_json& messages, bool add_generation_prompt,
                                      const nlohmann::ordered_json& tokens);

}  // namespace tp::templates
