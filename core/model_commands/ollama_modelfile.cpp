#include "ollama_modelfile.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "ollama_template.hpp"

namespace tp::core::cli {
namespace {

// A Modelfile string: Go's strconv.Unquote rules, which Ollama's parser applies.
std::string quoted(const std::string& text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

}  // namespace

std::string ollama_modelfile(const std::string& from, const std::optional<std::string>& chat_template,
                             const gguf::Metadata& metadata, const std::optional<std::string>& adapter) {
  std::string text = fmt::format("# ollama create NAME -f THIS_FILE\nFROM {}\n", from);
  if (adapter) text += fmt::format("ADAPTER {}\n", *adapter);
  const std::vector<std::string> tokens = metadata.find_string_array("tokenizer.ggml.tokens").value_or(std::vector<std::string>{});
  const auto token_text = [&](const char* key) -> std::optional<std::string> {
    const auto id = metadata.find_integer(key, 0, static_cast<std::int64_t>(tokens.size()) - 1);
    return id ? std::optional<std::string>(tokens[*id]) : std::nullopt;
  };
  if (chat_template) {
    nlohmann::ordered_json variables = nlohmann::ordered_json::object();
    if (const auto bos = token_text("tokenizer.ggml.bos_token_id")) variables["bos_token"] = *bos;
    if (const auto eos = token_text("tokenizer.ggml.eos_token_id")) variables["eos_token"] = *eos;
    // llama.cpp adds BOS to SentencePiece vocabularies that do not say otherwise.
    const bool bos_added = metadata.find_bool("tokenizer.ggml.add_bos_token")
                               .value_or(metadata.find_string("tokenizer.ggml.model") == "llama");
    if (const auto go_template = ollama_template(*chat_template, variables, bos_added))
      text += fmt::format("TEMPLATE \"\"\"{}\"\"\"\n", *go_template);
  }
  std::vector<std::string> stops;
  for (const char* key : {"tokenizer.ggml.eos_token_id", "tokenizer.ggml.eot_token_id", "tokenizer.ggml.eom_token_id"}) {
    const auto stop = token_text(key);
    if (stop && std::find(stops.begin(), stops.end(), *stop) == stops.end()) stops.push_back(*stop);
  }
  for (const std::string& stop : stops) text += fmt::format("PARAMETER stop {}\n", quoted(stop));
  return text;
}

}  // namespace tp::core::cli
