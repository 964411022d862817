#pragma once
// Conversations as JSON: {"system": "...", "turns": [{"role": "user"|"assistant",
// "content": "...", "trained": bool}], "source": "..."} — the form `run` writes
// and `render` reads.
#include <nlohmann/json.hpp>

#include "tunepipe/conversation.hpp"
#include "tunepipe/error.hpp"

namespace tp::core {

nlohmann::json to_json(const Conversation& conversation);
// Throws tp::Error at `where` when the JSON does not have that shape.
Conversation conversation_from_json(const nlohmann::json& json, const Location& where);

}  // namespace tp::core
