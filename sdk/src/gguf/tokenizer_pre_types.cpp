#include "gguf/tokenizer_pre_types.hpp"

#include "tokenizer/bpe_loaders.hpp"

#include <array>

namespace tp::gguf {

namespace {

using nlohmann::json;

// The patterns of transformers' GGUF_PRE_TOKENIZER_SPLITS (integrations/gguf/gguf_tokenizer_mapping.py),
// which are llama.cpp's for these types.
constexpr const char* kLlama3Split =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
constexpr const char* kTekkenSplit =
    R"([^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+)"
    R"(|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*)"
    R"(|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
constexpr const char* kGpt4oSplit =
    R"([^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?)"
    R"(|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?)"
    R"(|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
// Qwen3.5's: marks join the letters they follow.
constexpr const char* kQwen35Split =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?[\p{L}\p{M}]+|\p{N}| ?[^\s\p{L}\p{M}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

enum class Kind {
  gpt2,    // ByteLevel's own regex (kGpt2SplitPattern)
  digits,  // every digit alone, then ByteLevel's regex
  split,   // the pattern, then ByteLevel without its regex
};

struct PreType {
  const char* name;
  Kind kind;
  const char* pattern = nullptr;
};

// transformers splits the types of its table with their pattern and every other one as GPT-2 does. We accept
// the types llama.cpp splits that way too and refuse the rest, whose splitting neither would reproduce.
// Two deliberate departures from transformers' fallback:
// - "smollm" and llama.cpp's other types with the same regexes ({"\p{N}", GPT-2's}: starcoder, refact,
//   command-r, codeshell, exaone, minerva-7b) split every digit on its own first, as llama.cpp does and as
//   the original tokenizer.json of these models does (Digits(individual_digits) then ByteLevel);
//   transformers would keep runs of digits together and give other ids than the model was trained on.
// - "default" (llama.cpp's guess for a vocabulary that names no type, with extra punctuation and
//   three-digit splits) is split as GPT-2, as transformers does, like an absent tokenizer.ggml.pre.
constexpr std::array kPreTypes = {
    PreType{"default", Kind::gpt2},
    PreType{"gpt2", Kind::gpt2},
    // convert_hf_to_gguf.py's names of GPT-2's own split (llama.cpp's LLAMA_VOCAB_PRE_TYPE_GPT2).
    PreType{"gpt-2", Kind::gpt2},
    PreType{"phi-2", Kind::gpt2},
    PreType{"jina-es", Kind::gpt2},
    PreType{"jina-de", Kind::gpt2},
    PreType{"jina-v2-es", Kind::gpt2},
    PreType{"jina-v2-de", Kind::gpt2},
    PreType{"gigachat", Kind::gpt2},
    PreType{"a.x-4.0", Kind::gpt2},
    PreType{"mellum", Kind::gpt2},
    PreType{"mpt", Kind::gpt2},
    PreType{"olmo", Kind::gpt2},
    PreType{"jais", Kind::gpt2},
    PreType{"trillion", Kind::gpt2},
    PreType{"smollm", Kind::digits},
    PreType{"starcoder", Kind::digits},
    PreType{"refact", Kind::digits},
    PreType{"command-r", Kind::digits},
    PreType{"codeshell", Kind::digits},
    PreType{"exaone", Kind::digits},
    PreType{"minerva-7b", Kind::digits},
    PreType{"llama3", Kind::split, kLlama3Split},
    PreType{"llama-v3", Kind::split, kLlama3Split},
    PreType{"llama-bpe", Kind::split, kLlama3Split},
    PreType{"falcon3", Kind::split, kLlama3Split},
    PreType{"falcon-h1", Kind::split, kLlama3Split},
    PreType{"pixtral", Kind::split, kLlama3Split},
    PreType{"midm-2.0", Kind::split, kLlama3Split},
    PreType{"lfm2", Kind::split, kLlama3Split},
    PreType{"jina-v5-nano", Kind::split, kLlama3Split},
    PreType{"dbrx", Kind::split, kLlama3Split},
    PreType{"smaug-bpe", Kind::split, kLlama3Split},
    PreType{"tekken", Kind::split, kTekkenSplit},
    PreType{"qwen2", Kind::split, kQwen2SplitPattern},
    PreType{"deepseek-r1-qwen", Kind::split, kQwen2SplitPattern},
    PreType{"kormo", Kind::split, kQwen2SplitPattern},
    PreType{"f2llmv2", Kind::split, kQwen2SplitPattern},
    PreType{"megrez", Kind::split, kQwen2SplitPattern},
    PreType{"qwen35", Kind::split, kQwen35Split},
    PreType{"gpt-4o", Kind::split, kGpt4oSplit},
    PreType{"llama4", Kind::split, kGpt4oSplit},
    PreType{"kanana2", Kind::split, kGpt4oSplit},
    PreType{"talkie", Kind::split, kGpt4oSplit},
    PreType{"minimax-m2", Kind::split, kGpt4oSplit},
};

// The names the converter writes for each split, one per split the table knows.
constexpr std::array kConverterNames = {"gpt-2", "smollm", "llama-bpe", "qwen2", "qwen35", "tekken", "gpt-4o"};

json byte_level(bool use_regex) {
  return {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", true}, {"use_regex", use_regex}};
}

// A pre_tokenizer node with what does not change the split left out (offsets, defaults written or not).
json split_only(const json& node) {
  if (node.is_array()) {
    json parts = json::array();
    for (const json& part : node) parts.push_back(split_only(part));
    return parts;
  }
  if (!node.is_object()) return node;
  const std::string type = node.value("type", "");
  if (type == "ByteLevel")
    return {{"type", type}, {"add_prefix_space", node.value("add_prefix_space", true)},
            {"use_regex", node.value("use_regex", true)}};
  if (type == "Split")
    return {{"type", type}, {"pattern", node.value("pattern", json())}, {"behavior", node.value("behavior", "")},
            {"invert", node.value("invert", false)}};
  if (type == "Digits") return {{"type", type}, {"individual_digits", node.value("individual_digits", false)}};
  if (type == "Sequence") return {{"type", type}, {"pretokenizers", split_only(node.value("pretokenizers", json()))}};
  return node;
}

}  // namespace

std::optional<std::string> byte_level_pre_type(const json& pre_tokenizer) {
  const json wanted = split_only(pre_tokenizer);
  for (const char* name : kConverterNames)
    if (split_only(*byte_level_pre_tokenizer(name)) == wanted) return name;
  return std::nullopt;
}

std::string byte_level_pre_type_names() {
  std::string names;
  for (const char* name : kConverterNames) names += (names.empty() ? "" : ", ") + std::string(name);
  return names;
}

std::optional<json> byte_level_pre_tokenizer(std::string_view pre) {
  for (const PreType& type : kPreTypes) {
    if (pre != type.name) continue;
    switch (type.kind) {
      case Kind::gpt2:
        return byte_level(true);
      case Kind::digits:
        return json{{"type", "Sequence"},
                    {"pretokenizers",
                     {{{"type", "Digits"}, {"individual_digits", true}}, byte_level(true)}}};
      case Kind::split:
        return json{{"type", "Sequence"},
                    {"pretokenizers",
                     {{{"type", "Split"},
                       {"pattern", {{"Regex", type.pattern}}},
                       {"behavior", "Isolated"},
                       {"invert", false}},
                      byte_level(false)}}};
    }
  }
  return std::nullopt;
}

std::string byte_level_pre_types() {
  std::string names;
  for (const PreType& type : kPreTypes) {
    if (!names.empty()) names += ", ";
    names += type.name;
  }
  return names;
}

}  // namespace tp::gguf
