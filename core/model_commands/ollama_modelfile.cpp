#include "ollama_modelfile.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace tp::core::cli {
namespace {

// Ollama's own ChatML template (as its library's qwen2 and smollm2 models carry it).
constexpr const char* kChatMlTemplate = R"({{- if .System }}<|im_start|>system
{{ .System }}<|im_end|>
{{ end }}{{- range .Messages }}<|im_start|>{{ .Role }}
{{ .Content }}<|im_end|>
{{ end }}<|im_start|>assistant
)";

bool is_chatml(const std::string& chat_template) {
  return chat_template.find("<|im_start|>") != std::string::npos &&
         chat_template.find("<|im_end|>") != std::string::npos;
}

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
  if (chat_template && is_chatml(*chat_template)) text += fmt::format("TEMPLATE \"\"\"{}\"\"\"\n", kChatMlTemplate);
  const std::vector<std::string> tokens = metadata.find_string_array("tokenizer.ggml.tokens").value_or(std::vector<std::string>{});
  std::vector<std::string> stops;
  for (const char* key : {"tokenizer.ggml.eos_token_id", "tokenizer.ggml.eot_token_id", "tokenizer.ggml.eom_token_id"}) {
    const auto id = metadata.find_integer(key, 0, static_cast<std::int64_t>(tokens.size()) - 1);
    if (id && std::find(stops.begin(), stops.end(), tokens[*id]) == stops.end()) stops.push_back(tokens[*id]);
  }
  for (const std::string& stop : stops) text += fmt::format("PARAMETER stop {}\n", quoted(stop));
  return text;
}

}  // namespace tp::core::cli
