#pragma once
// A model's own chat template: the Jinja text its checkpoint ships and the
// special-token strings transformers renders it with.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace tp {

class Tokenizer;

struct ModelChatTemplate {
  std::string source;  // Jinja text
  std::string origin;  // where it came from, e.g. "models/x/tokenizer_config.json (chat_template)"
  // bos_token, eos_token, unk_token, pad_token: the strings HF passes as its special_tokens_map.
  nlohmann::ordered_json tokens = nlohmann::ordered_json::object();
};

// The chat template of an HF checkpoint folder, as transformers 5 finds it:
// chat_template.jinja (or additional_chat_templates/NAME.jinja for a named
// one), else tokenizer_config.json's chat_template, a string or a list of
// {name, template}. `name` empty: the default one. nullopt when the folder
// has none; a tp::Error when the name does not exist (listing those that do).
std::optional<ModelChatTemplate> read_chat_template(const std::filesystem::path& dir, const std::string& name = {});

// The special-token strings of a tokenizer, as the variables of a template.
nlohmann::ordered_json template_tokens(const Tokenizer& tokenizer);

}  // namespace tp
