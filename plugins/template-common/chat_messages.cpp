#include "chat_messages.hpp"

namespace tp::templates {

nlohmann::ordered_json chat_messages(const std::string& system, const Conversation& conversation, std::size_t turns) {
  nlohmann::ordered_json messages = nlohmann::ordered_json::array();
  if (!system.empty()) messages.push_back({{"role", "system"}, {"content", system}});
  for (std::size_t i = 0; i < turns && i < conversation.turns.size(); ++i) {
    const Turn& turn = conversation.turns[i];
    messages.push_back({{"role", std::string(to_string(turn.role))}, {"content", turn.content}});
  }
  return messages;
}

nlohmann::ordered_json chat_variables(const nlohmann::ordered_json& messages, bool add_generation_prompt,
                                      const nlohmann::ordered_json& tokens) {
  nlohmann::ordered_json variables = tokens;
  variables["messages"] = messages;
  variables["tools"] = nullptr;
  variables["documents"] = nullptr;
  variables["add_generation_prompt"] = add_generation_prompt;
  return variables;
}

}  // namespace tp::templates
