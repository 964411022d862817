// A GGUF file's tokenizer, built as the tokenizer.json and tokenizer_config.json an HF folder would have:
// the documents transformers' GGUF integration (integrations/gguf/gguf_tokenizer_mapping.py) builds, read by
// the loader of HF folders.
#include "tunepipe/gguf_tokenizer.hpp"

#include "gguf/tokenizer_merges.hpp"
#include "gguf/tokenizer_metadata.hpp"
#include "gguf/tokenizer_pre_types.hpp"
#include "tokenizer/bpe_loaders.hpp"
#include "tokenizer/byte_level.hpp"

#include <fmt/format.h>

#include <array>
#include <string_view>
#include <unordered_map>

namespace tp::gguf {

namespace {

using nlohmann::json;

// Architectures whose "llama" vocabulary transformers builds its own way (GGUF_SENTENCEPIECE_BUILDERS).
constexpr std::array<std::string_view, 4> kOwnSentencePieceBuilders = {"gemma", "gemma2", "gemma3", "phi3"};

// The vocabulary as the model sees it: byte-level tokens in the byte alphabet, each id's token, and the
// id of each token (a token listed twice has the id of its last entry, as in transformers' dict).
class Vocabulary {
 public:
  Vocabulary(const TokenizerMetadata& metadata, bool byte_level) : spelled_(metadata.tokens) {
    if (byte_level) {
      // A token written as plain text (llama.cpp's converter writes added tokens so) becomes its bytes'
      // symbols, as transformers' byte_level_tokenizer does.
      std::string bytes;
      for (std::string& token : spelled_) {
        bytes.clear();
        if (!byte_level::decode(token, bytes)) token = byte_level::encode(token);
      }
    }
    ids_.reserve(spelled_.size());
    for (std::size_t id = 0; id < spelled_.size(); ++id)
      ids_.insert_or_assign(spelled_[id], static_cast<std::int32_t>(id));
  }

  const std::vector<std::string>& tokens() const { return spelled_; }
  std::optional<std::int32_t> id(std::string_view token) const {
    const auto it = ids_.find(token);
    return it == ids_.end() ? std::nullopt : std::optional<std::int32_t>(it->second);
  }

  json vocab_json() const {
    json vocab = json::object();
    for (std::size_t id = 0; id < spelled_.size(); ++id) vocab[spelled_[id]] = id;
    return vocab;
  }

 private:
  std::vector<std::string> spelled_;
  std::unordered_map<std::string_view, std::int32_t> ids_;  // views into spelled_
};

// The file's merges must join tokens of the vocabulary into one (HF's BPE refuses others).
void check_merges(const File& file, const std::vector<TokenMerge>& merges, const Vocabulary& vocabulary) {
  for (std::size_t i = 0; i < merges.size(); ++i) {
    const TokenMerge& merge = merges[i];
    const std::string joined = merge.left + merge.right;
    for (const std::string* part : {&merge.left, &merge.right, &joined}) {
      if (!vocabulary.id(*part))
        fail_at_element(file, kMergesKey, i,
                        fmt::format("is \"{} {}\", but \"{}\" is not a token of \"{}\"", merge.left, merge.right,
                                    *part, kTokensKey));
    }
  }
}

json merges_json(const std::vector<TokenMerge>& merges) {
  json list = json::array();
  list.get_ref<json::array_t&>().reserve(merges.size());
  for (const TokenMerge& merge : merges) list.push_back(json::array({merge.left, merge.right}));
  return list;
}

json bpe_model(json vocab, json merges, bool byte_level) {
  return {{"type", "BPE"},
          {"dropout", nullptr},
          {"unk_token", nullptr},
          {"continuing_subword_prefix", ""},
          {"end_of_word_suffix", ""},
          {"fuse_unk", !byte_level},
          {"byte_fallback", !byte_level},
          {"ignore_merges", false},
          {"vocab", std::move(vocab)},
          {"merges", std::move(merges)}};
}

// transformers' GPT2Tokenizer with the split of tokenizer.ggml.pre.
json byte_level_document(const File& file, const TokenizerMetadata& metadata, const Vocabulary& vocabulary) {
  const std::string pre = metadata.pre.value_or("default");
  auto pre_tokenizer = byte_level_pre_tokenizer(pre);
  if (!pre_tokenizer)
    fail_at_key(file, kTokenizerPreKey,
                fmt::format("is \"{}\", which is not a supported pre-tokenizer type; supported: {}", pre,
                            byte_level_pre_types()));
  // llama.cpp requires the merges of a byte-level vocabulary too.
  if (!metadata.merges)
    fail_at_key(file, kMergesKey, "is missing: a \"gpt2\" (byte-level BPE) vocabulary needs its merges");
  check_merges(file, *metadata.merges, vocabulary);
  return {{"normalizer", nullptr},
          {"pre_tokenizer", std::move(*pre_tokenizer)},
          {"post_processor", nullptr},
          {"decoder", {{"type", "ByteLevel"}, {"add_prefix_space", true}, {"trim_offsets", true}, {"use_regex", true}}},
          {"model", bpe_model(vocabulary.vocab_json(), merges_json(*metadata.merges), true)}};
}

// transformers' LlamaTokenizer: ▁ for spaces (one in front of the text), byte fallback, merges from the file
// or derived from the scores. tokenizer.ggml.pre plays no part, as in llama.cpp.
json sentencepiece_document(const File& file, const TokenizerMetadata& metadata, const Vocabulary& vocabulary) {
  for (const std::string_view architecture : kOwnSentencePieceBuilders) {
    if (metadata.architecture == architecture)
      fail_at_key(file, "general.architecture",
                  fmt::format("is \"{}\": its \"llama\" (SentencePiece) vocabulary is built differently from other "
                              "models' (respelled tokens, merges in file order, or another prefix space), which is "
                              "not supported",
                              architecture));
  }
  json merges;
  if (metadata.merges) {
    check_merges(file, *metadata.merges, vocabulary);
    merges = merges_json(*metadata.merges);
  } else {
    if (!metadata.scores)
      fail_at_key(file, kScoresKey,
                  fmt::format("is missing: a \"llama\" vocabulary without \"{}\" needs the scores to derive them",
                              kMergesKey));
    merges = merges_json(merges_from_scores(vocabulary.tokens(), *metadata.scores));
  }
  // A vocabulary trained without SentencePiece's dummy prefix says so in add_space_prefix; llama.cpp and the
  // model's own tokenizer.json then put no ▁ in front of the text (nor strip it when decoding). transformers
  // ignores the key and would add one: a deliberate departure, as for "smollm" (tokenizer_pre_types.cpp).
  const bool prefix_space = metadata.add_space_prefix.value_or(true);
  json decoders = json::array({{{"type", "Replace"}, {"pattern", {{"String", "\u2581"}}}, {"content", " "}},
                               {{"type", "ByteFallback"}},
                               {{"type", "Fuse"}}});
  if (prefix_space) decoders.push_back({{"type", "Strip"}, {"content", " "}, {"start", 1u}, {"stop", 0u}});
  return {{"normalizer", nullptr},
          {"pre_tokenizer",
           {{"type", "Metaspace"},
            {"replacement", "\u2581"},
            {"prepend_scheme", prefix_space ? "first" : "never"},
            {"split", false}}},
          {"post_processor", nullptr},
          {"decoder", {{"type", "Sequence"}, {"decoders", std::move(decoders)}}},
          {"model", bpe_model(vocabulary.vocab_json(), std::move(merges), false)}};
}

SpecialTokenSetting special_token(const File& file, const TokenizerMetadata& metadata, std::optional<std::int32_t> id) {
  SpecialTokenSetting setting{.given = true, .token = std::nullopt, .file = file.path()};
  if (id) setting.token = AddedToken{.content = metadata.tokens[static_cast<std::size_t>(*id)], .special = true};
  return setting;
}

// What transformers adds to the tokenizer it builds, as tokenizer_config.json would say it.
TokenizerConfig tokenizer_config(const File& file, const TokenizerMetadata& metadata, const Vocabulary& vocabulary,
                                 bool byte_level) {
  TokenizerConfig config;
  // The special tokens transformers' builder classes bring (GPT2Tokenizer's <|endoftext|>, LlamaTokenizer's
  // <unk>, <s> and </s>), where the vocabulary has them. transformers also appends them as new ids where
  // it has not; those ids have no embedding in the model, so we leave them out.
  const auto builder_defaults = byte_level ? std::vector<std::string>{"<|endoftext|>"}
                                           : std::vector<std::string>{"<unk>", "<s>", "</s>"};
  for (const std::string& content : builder_defaults) {
    if (vocabulary.id(content)) config.additional_special.push_back(AddedToken{.content = content, .special = true});
  }
  // Control tokens are special; in a byte-level vocabulary one written outside the byte alphabet is a
  // llama.cpp mislabel that transformers skips.
  std::string bytes;
  for (std::size_t id = 0; id < metadata.token_types.size(); ++id) {
    const std::string& token = metadata.tokens[id];
    if (metadata.token_types[id] == TokenType::control) {
      bytes.clear();
      if (!byte_level || byte_level::decode(token, bytes))
        config.additional_special.push_back(AddedToken{.content = token, .special = true});
    } else if (metadata.token_types[id] == TokenType::user_defined) {
      // Matched whole in the text, as llama.cpp does; only those the vocabulary spells as written.
      if (const auto found = vocabulary.id(token)) config.added_tokens.push_back(AddedToken{.content = token, .id = *found});
    }
  }
  config.bos = special_token(file, metadata, metadata.bos);
  config.eos = special_token(file, metadata, metadata.eos);
  config.unk = special_token(file, metadata, metadata.unk);
  config.pad = special_token(file, metadata, metadata.pad);
  // llama.cpp adds BOS to a SentencePiece vocabulary that does not say otherwise (older files have no flag).
  config.add_bos = byte_level ? metadata.add_bos : metadata.add_bos.value_or(true);
  config.add_eos = metadata.add_eos;
  return config;
}

}  // namespace

std::shared_ptr<const Tokenizer> load_tokenizer(const File& file, const TokenizerOptions& options) {
  const TokenizerMetadata metadata = read_tokenizer_metadata(file);
  if (metadata.model != "gpt2" && metadata.model != "llama")
    fail_at_key(file, kTokenizerModelKey,
                fmt::format("is \"{}\", which is not supported; supported: gpt2 (byte-level BPE), llama "
                            "(SentencePiece-style BPE)",
                            metadata.model));
  const bool byte_level = metadata.model == "gpt2";
  const Vocabulary vocabulary(metadata, byte_level);
  const json document = byte_level ? byte_level_document(file, metadata, vocabulary)
                                   : sentencepiece_document(file, metadata, vocabulary);
  TokenizerConfig config = tokenizer_config(file, metadata, vocabulary, byte_level);
  apply_tokenizer_options(options, config);
  return load_bpe_tokenizer_json(file.path(), document, config);
}

std::optional<std::string> chat_template(const File& file, const std::string& name) {
  return file.metadata().find_string(name.empty() ? std::string("tokenizer.chat_template")
                                                  : "tokenizer.chat_template." + name);
}

}  // namespace tp::gguf
