#include "util/conversation_json.hpp"

#include <fmt/format.h>

namespace tp::core {

nlohmann::json to_json(const Conversation& conversation) {
  nlohmann::json turns = nlohmann::json::array();
  for (const Turn& turn : conversation.turns)
    turns.push_back({{"role", std::string(to_string(turn.role))}, {"content", turn.content}, {"trained", turn.trained}});
  return {{"system", conversation.system}, {"turns", std::move(turns)}, {"source", conversation.source}};
}

Conversation conversation_from_json(const nlohmann::json& json, const Location& where) {
  if (!json.is_object() || !json.contains("turns") || !json["turns"].is_array())
    throw Error(where, "expected an object with \"turns\": [{\"role\": …, \"content\": …}, …]");
  Conversation conversation;
  conversation.source = where.str();
  if (json.contains("system")) {
    if (!json["system"].is_string()) throw Error(where, "\"system\" must be a string");
    conversation.system = json["system"].get<std::string>();
  }
  for (const auto& turn : json["turns"]) {
    if (!turn.is_object() || !turn.contains("role") || !turn.contains("content") || !turn["role"].is_string() ||
        !turn["content"].is_string())
      throw Error(where, "each turn needs string \"role\" and \"content\"");
    const std::string role = turn["role"].get<std::string>();
    if (role != "user" && role != "assistant")
      throw Error(where, fmt::format("turn role \"{}\" is not \"user\" or \"assistant\"", role));
    Turn t;
    t.role = role == "user" ? Role::User : Role::Assistant;
    t.content = turn["content"].get<std::string>();
    t.trained = turn.contains("trained") ? turn["trained"].get<bool>() : t.role == Role::Assistant;
    conversation.turns.push_back(std::move(t));
  }
  return conversation;
}

}  // namespace tp::core
