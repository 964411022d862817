#include "tunepipe/gguf_tokenizer_export.hpp"

#include <fmt/format.h>
#include <sentencepiece_processor.h>

#include <fstream>

#include "gguf/tokenizer_metadata.hpp"
#include "gguf/tokenizer_pre_types.hpp"
#include "tokenizer/bpe_loaders.hpp"
#include "tokenizer/json_file.hpp"
#include "tokenizer/spm_model_proto.hpp"
#include "tokenizer/tokenizer_config.hpp"

namespace tp::gguf {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// The converter's score of a token SentencePiece did not learn (added tokens, padding).
constexpr float kUnlearnedScore = -1000.0f;

struct Vocabulary {
  std::string model;  // tokenizer.ggml.model
  std::string pre;    // tokenizer.ggml.pre
  std::vector<std::string> tokens;
  std::vector<TokenType> types;
  std::vector<float> scores;        // SentencePiece
  std::vector<std::string> merges;  // byte-level BPE
  std::optional<bool> add_space_prefix;

  void place(std::int32_t id, std::string token, TokenType type) {
    const auto index = static_cast<std::size_t>(id);
    if (index >= tokens.size()) {
      tokens.resize(index + 1);
      types.resize(index + 1, TokenType::undefined);
      if (!scores.empty() || model == "llama") scores.resize(index + 1, kUnlearnedScore);
    }
    tokens[index] = std::move(token);
    types[index] = type;
  }
};

// Added tokens keep their text: control tokens when special or shaped as control tokens are ("<|…|>", and
// DeepSeek's "<｜…｜>"; as the converter marks them, whatever the folder says), user-defined (matched as written)
// otherwise.
TokenType added_token_type(const std::string& text, bool special) {
  const auto framed = [&](std::string_view open, std::string_view close) {
    return text.size() >= open.size() + close.size() && text.starts_with(open) && text.ends_with(close);
  };
  return special || framed("<|", "|>") || framed("<｜", "｜>") ? TokenType::control : TokenType::user_defined;
}

void place_added(const std::vector<AddedToken>& added, Vocabulary& vocabulary) {
  for (const AddedToken& token : added)
    vocabulary.place(token.id, token.content, added_token_type(token.content, token.special));
}

Vocabulary byte_level_from_tokenizer_json(const fs::path& file, const json& root, const TokenizerConfig& config) {
  const json& model = root["model"];
  if (model.value("byte_fallback", false) || !root.contains("pre_tokenizer"))
    fail_in_file(file, "a BPE vocabulary with \"▁\" spaces is exported from the folder's tokenizer.model, which it "
                       "lacks (llama.cpp's \"llama\" vocabulary needs SentencePiece's scores)");
  const json& normalizer = root["normalizer"];
  if (!normalizer.is_null() && normalizer.value("type", "") != "NFC")
    fail_in_file(file, fmt::format("normalizer {} is not applied by llama.cpp; only none and NFC export",
                                   normalizer.dump()));
  const std::optional<std::string> pre = byte_level_pre_type(root["pre_tokenizer"]);
  if (!pre)
    fail_in_file(file, fmt::format("pre_tokenizer {} splits text as no GGUF tokenizer.ggml.pre does (supported: the "
                                   "splits of {})",
                                   root["pre_tokenizer"].dump().substr(0, 200), byte_level_pre_type_names()));
  Vocabulary vocabulary{.model = "gpt2", .pre = *pre};
  for (const auto& [token, id] : model["vocab"].items())
    vocabulary.place(id.get<std::int32_t>(), token, TokenType::normal);
  for (const json& merge : model["merges"])
    vocabulary.merges.push_back(merge.is_string() ? merge.get<std::string>()
                                                  : merge[0].get<std::string>() + " " + merge[1].get<std::string>());
  for (const json& entry : root.value("added_tokens", json::array()))
    vocabulary.place(entry["id"].get<std::int32_t>(), entry["content"].get<std::string>(),
                     added_token_type(entry["content"].get<std::string>(), entry.value("special", false)));
  place_added(config.added_tokens, vocabulary);
  return vocabulary;
}

Vocabulary byte_level_from_vocab_merges(const fs::path& folder, const TokenizerConfig& config) {
  Vocabulary vocabulary{.model = "gpt2", .pre = vocab_merges_split_as_gpt2(config) ? "gpt-2" : "qwen2"};
  const json vocab = read_json_file(folder / "vocab.json");
  for (const auto& [token, id] : vocab.items())
    vocabulary.place(id.get<std::int32_t>(), token, TokenType::normal);
  std::ifstream merges(folder / "merges.txt", std::ios::binary);
  std::string line;
  for (bool first = true; std::getline(merges, line); first = false) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || (first && line.starts_with("#version"))) continue;
    vocabulary.merges.push_back(line);
  }
  place_added(config.added_tokens, vocabulary);
  return vocabulary;
}

Vocabulary sentencepiece(const fs::path& file, const TokenizerConfig& config) {
  sentencepiece::SentencePieceProcessor processor;
  if (const auto status = processor.Load(file.string()); !status.ok()) fail_in_file(file, status.ToString());
  Vocabulary vocabulary{.model = "llama", .pre = "default"};
  for (int id = 0; id < processor.GetPieceSize(); ++id) {
    TokenType type = TokenType::normal;
    if (processor.IsUnknown(id))
      type = TokenType::unknown;
    else if (processor.IsControl(id))
      type = TokenType::control;
    else if (processor.IsUnused(id))
      type = TokenType::unused;
    else if (processor.IsByte(id))
      type = TokenType::byte;
    vocabulary.place(id, processor.IdToPiece(id), type);
    vocabulary.scores[static_cast<std::size_t>(id)] = processor.GetScore(id);
  }
  place_added(config.added_tokens, vocabulary);
  std::ifstream in(file, std::ios::binary);
  const std::string serialized((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  vocabulary.add_space_prefix = spm_proto::adds_dummy_prefix(serialized);
  return vocabulary;
}

// As the tokenizer loader chooses (tokenizer.json when it is byte-level BPE), except that a SentencePiece
// vocabulary is read from tokenizer.model, as the converter reads it, for its scores.
Vocabulary read_vocabulary(const fs::path& folder, const TokenizerConfig& config) {
  const fs::path json_file = folder / "tokenizer.json";
  const fs::path model_file = folder / "tokenizer.model";
  if (fs::exists(json_file)) {
    const json root = read_json_file(json_file);
    const bool byte_level = is_bpe_tokenizer_json(root) && !root["model"].value("byte_fallback", false);
    if (byte_level || !fs::exists(model_file)) {
      if (!is_bpe_tokenizer_json(root))
        fail_in_file(json_file, "only BPE vocabularies are exported (model.type is not \"BPE\")");
      return byte_level_from_tokenizer_json(json_file, root, config);
    }
  }
  if (fs::exists(model_file)) return sentencepiece(model_file, config);
  return byte_level_from_vocab_merges(folder, config);
}

Value string_array(std::vector<std::string> strings) {
  std::vector<Value> elements;
  elements.reserve(strings.size());
  for (std::string& s : strings) elements.push_back(Value::make_string(std::move(s)));
  return Value::make_array(ValueType::string, std::move(elements));
}

Value id_value(std::int32_t id) { return Value::make_unsigned(ValueType::uint32, static_cast<std::uint64_t>(id)); }

}  // namespace

std::vector<std::pair<std::string, Value>> tokenizer_entries(const fs::path& folder, std::int64_t rows) {
  // The loader validates the files and resolves the special tokens as the model's users see them.
  const std::shared_ptr<const Tokenizer> tokenizer = load_tokenizer(folder);
  const TokenizerConfig config = read_tokenizer_config(folder);
  Vocabulary vocabulary = read_vocabulary(folder, config);
  if (std::cmp_greater(vocabulary.tokens.size(), rows))
    fail_in_file(folder, fmt::format("the tokenizer has token id {} but the model's embedding has {} rows",
                                     vocabulary.tokens.size() - 1, rows));
  for (std::int64_t id = 0; id < rows; ++id) {
    const auto index = static_cast<std::size_t>(id);
    if (index < vocabulary.types.size() && vocabulary.types[index] != TokenType::undefined) continue;
    vocabulary.place(static_cast<std::int32_t>(id), fmt::format("[PAD{}]", id), TokenType::unused);
  }

  std::vector<std::pair<std::string, Value>> entries;
  entries.emplace_back(kTokenizerModelKey, Value::make_string(vocabulary.model));
  entries.emplace_back(kTokenizerPreKey, Value::make_string(vocabulary.pre));
  entries.emplace_back(kTokensKey, string_array(std::move(vocabulary.tokens)));
  if (!vocabulary.scores.empty()) {
    std::vector<Value> scores;
    for (const float score : vocabulary.scores) scores.push_back(Value::make_float(ValueType::float32, score));
    entries.emplace_back(kScoresKey, Value::make_array(ValueType::float32, std::move(scores)));
  }
  std::vector<Value> types;
  for (const TokenType type : vocabulary.types)
    types.push_back(Value::make_signed(ValueType::int32, static_cast<std::int64_t>(type)));
  entries.emplace_back(kTokenTypeKey, Value::make_array(ValueType::int32, std::move(types)));
  if (!vocabulary.merges.empty()) entries.emplace_back(kMergesKey, string_array(std::move(vocabulary.merges)));

  const SpecialTokens& special = tokenizer->special_tokens();
  if (special.bos) entries.emplace_back("tokenizer.ggml.bos_token_id", id_value(*special.bos));
  if (special.eos) entries.emplace_back("tokenizer.ggml.eos_token_id", id_value(*special.eos));
  if (special.unk) entries.emplace_back("tokenizer.ggml.unknown_token_id", id_value(*special.unk));
  if (special.pad) entries.emplace_back("tokenizer.ggml.padding_token_id", id_value(*special.pad));
  entries.emplace_back("tokenizer.ggml.add_bos_token", Value::make_bool(special.add_bos));
  entries.emplace_back("tokenizer.ggml.add_eos_token", Value::make_bool(special.add_eos));
  if (vocabulary.add_space_prefix)
    entries.emplace_back("tokenizer.ggml.add_space_prefix", Value::make_bool(*vocabulary.add_space_prefix));
  return entries;
}

}  // namespace tp::gguf
