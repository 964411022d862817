#include "tunepipe/chat_template.hpp"

#include <fmt/format.h>

#include <fstream>
#include <sstream>

#include "tokenizer/json_file.hpp"
#include "tunepipe/error.hpp"
#include "tunepipe/tokenizer.hpp"

namespace tp {
namespace {

namespace fs = std::filesystem;

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(Location{path.string()}, "cannot read the chat template");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string join_names(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& name : names) out += (out.empty() ? "" : ", ") + name;
  return out.empty() ? "none" : out;
}

std::optional<ModelChatTemplate> from_tokenizer_config(const fs::path& file, const std::string& name) {
  const nlohmann::json config = read_json_file(file);
  const auto it = config.find("chat_template");
  if (it == config.end() || it->is_null()) return std::nullopt;
  if (it->is_string()) {
    if (!name.empty() && name != "default")
      fail_in_file(file, fmt::format("chat_template: no template named \"{}\" (this file has one unnamed template)",
                                     name));
    return ModelChatTemplate{it->get<std::string>(), fmt::format("{} (chat_template)", file.string())};
  }
  if (!it->is_array()) fail_in_file(file, "chat_template must be a string or a list of {name, template}");
  std::vector<std::string> names;
  for (const auto& entry : *it) {
    if (!entry.is_object() || !entry.contains("name") || !entry.contains("template") || !entry["name"].is_string() ||
        !entry["template"].is_string())
      fail_in_file(file, "chat_template: each entry of the list must be {\"name\": …, \"template\": …}");
    names.push_back(entry["name"].get<std::string>());
    if (names.back() == (name.empty() ? "default" : name))
      return ModelChatTemplate{entry["template"].get<std::string>(),
                               fmt::format("{} (chat_template \"{}\")", file.string(), names.back())};
  }
  fail_in_file(file, fmt::format("chat_template: no template named \"{}\" (named templates: {}); choose one with "
                                 "the template's `name` option",
                                 name.empty() ? "default" : name, join_names(names)));
}

}  // namespace

std::optional<ModelChatTemplate> read_chat_template(const fs::path& dir, const std::string& name) {
  const bool named = !name.empty() && name != "default";
  const fs::path file = named ? dir / "additional_chat_templates" / (name + ".jinja") : dir / "chat_template.jinja";
  if (fs::is_regular_file(file)) return ModelChatTemplate{read_text(file), file.string()};
  const fs::path config = dir / "tokenizer_config.json";
  if (fs::is_regular_file(config)) return from_tokenizer_config(config, name);
  if (named) throw Error(Location{dir.string()}, fmt::format("the folder has no chat template named \"{}\"", name));
  return std::nullopt;
}

nlohmann::ordered_json template_tokens(const Tokenizer& tokenizer) {
  nlohmann::ordered_json tokens = nlohmann::ordered_json::object();
  const SpecialTokens& special = tokenizer.special_tokens();
  const auto add = [&](const char* key, const std::optional<std::int32_t>& id) {
    if (id) tokens[key] = tokenizer.id_to_token(*id);
  };
  add("bos_token", special.bos);
  add("eos_token", special.eos);
  add("unk_token", special.unk);
  add("pad_token", special.pad);
  return tokens;
}

}  // namespace tp
