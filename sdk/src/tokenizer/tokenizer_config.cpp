#include "tokenizer/tokenizer_config.hpp"

#include "tokenizer/json_file.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace tp {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

bool flag(const json& object, const char* key, bool fallback) {
  const auto it = object.find(key);
  return it != object.end() && it->is_boolean() ? it->get<bool>() : fallback;
}

// A token written as a string or as an AddedToken object. Special tokens given
// as strings are matched literally (not normalised), as transformers does.
AddedToken parse_token(const fs::path& file, const std::string& key, const json& value) {
  AddedToken token;
  token.special = true;
  if (value.is_string()) {
    token.content = value.get<std::string>();
  } else if (value.is_object() && value.contains("content") && value["content"].is_string()) {
    token.content = value["content"].get<std::string>();
    token.lstrip = flag(value, "lstrip", false);
    token.rstrip = flag(value, "rstrip", false);
    token.single_word = flag(value, "single_word", false);
    token.normalized = flag(value, "normalized", false);
    token.special = flag(value, "special", true);
  } else {
    fail_in_file(file, fmt::format("\"{}\" must be a string or an object with a \"content\" string, not {}", key,
                                   value.dump()));
  }
  return token;
}

void read_special_token(const fs::path& file, const json& root, const char* key, SpecialTokenSetting& setting) {
  const auto it = root.find(key);
  if (it == root.end() || setting.given) return;
  setting.given = true;
  setting.file = file;
  if (!it->is_null()) setting.token = parse_token(file, key, *it);
}

void read_additional_special(const fs::path& file, const json& root, TokenizerConfig& config) {
  const auto it = root.find("additional_special_tokens");
  if (it == root.end() || it->is_null() || !config.additional_special.empty()) return;
  if (!it->is_array()) fail_in_file(file, "\"additional_special_tokens\" must be an array");
  for (const auto& value : *it) config.additional_special.push_back(parse_token(file, "additional_special_tokens", value));
}

void read_special_tokens(const fs::path& file, const json& root, TokenizerConfig& config) {
  read_special_token(file, root, "bos_token", config.bos);
  read_special_token(file, root, "eos_token", config.eos);
  read_special_token(file, root, "pad_token", config.pad);
  read_special_token(file, root, "unk_token", config.unk);
  read_additional_special(file, root, config);
  // Special tokens the interface has no slot for still split out of the text.
  for (const char* key : {"cls_token", "sep_token", "mask_token"}) {
    if (const auto it = root.find(key); it != root.end() && !it->is_null()) {
      config.additional_special.push_back(parse_token(file, key, *it));
    }
  }
}

void read_main_config(const fs::path& file, TokenizerConfig& config) {
  const json root = read_json_file(file);
  if (!root.is_object()) fail_in_file(file, "expected a JSON object at the top level");
  if (const auto it = root.find("add_bos_token"); it != root.end() && it->is_boolean()) config.add_bos = it->get<bool>();
  if (const auto it = root.find("add_eos_token"); it != root.end() && it->is_boolean()) config.add_eos = it->get<bool>();
  config.clean_up_tokenization_spaces = flag(root, "clean_up_tokenization_spaces", false);
  if (const auto it = root.find("tokenizer_class"); it != root.end() && it->is_string()) {
    config.tokenizer_class = it->get<std::string>();
  }
  if (const auto it = root.find("added_tokens_decoder"); it != root.end() && !it->is_null()) {
    if (!it->is_object()) fail_in_file(file, "\"added_tokens_decoder\" must be an object of id -> token");
    for (const auto& [id_text, value] : it->items()) {
      AddedToken token = parse_token(file, "added_tokens_decoder." + id_text, value);
      token.special = flag(value, "special", false);
      try {
        std::size_t used = 0;
        token.id = std::stoi(id_text, &used);
        if (used != id_text.size() || token.id < 0) throw std::invalid_argument(id_text);
      } catch (const std::exception&) {
        fail_in_file(file, fmt::format("\"added_tokens_decoder\" key \"{}\" is not a token id", id_text));
      }
      config.added_tokens.push_back(std::move(token));
    }
  }
  read_special_tokens(file, root, config);
}

void read_added_tokens_json(const fs::path& file, TokenizerConfig& config) {
  const json root = read_json_file(file);
  if (!root.is_object()) fail_in_file(file, "expected an object of token -> id");
  for (const auto& [content, id] : root.items()) {
    const bool listed = std::any_of(config.added_tokens.begin(), config.added_tokens.end(),
                                    [&](const AddedToken& t) { return t.content == content; });
    if (listed) continue;  // added_tokens_decoder has the flags too
    if (!id.is_number_integer() || id.get<long long>() < 0 || id.get<long long>() > INT32_MAX) {
      fail_in_file(file, fmt::format("the id of \"{}\" must be a non-negative integer, not {}", content, id.dump()));
    }
    // Listed without flags: transformers adds them as normalized, non-special tokens.
    AddedToken token;
    token.content = content;
    token.id = id.get<std::int32_t>();
    token.normalized = true;
    config.added_tokens.push_back(std::move(token));
  }
}

}  // namespace

TokenizerConfig read_tokenizer_config(const fs::path& dir) {
  TokenizerConfig config;
  if (const auto file = dir / "tokenizer_config.json"; fs::exists(file)) read_main_config(file, config);
  if (const auto file = dir / "special_tokens_map.json"; fs::exists(file)) {
    const json root = read_json_file(file);
    if (!root.is_object()) fail_in_file(file, "expected a JSON object at the top level");
    read_special_tokens(file, root, config);
  }
  if (const auto file = dir / "added_tokens.json"; fs::exists(file)) read_added_tokens_json(file, config);
  return config;
}

void apply_tokenizer_options(const TokenizerOptions& options, TokenizerConfig& config) {
  for (const std::string& token : options.extra_special_tokens)
    config.additional_special.push_back(AddedToken{.content = token, .special = true});
  if (options.eos_token) config.eos = SpecialTokenSetting{true, AddedToken{.content = *options.eos_token, .special = true}};
}

}  // namespace tp
