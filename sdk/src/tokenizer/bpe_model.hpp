#pragma once
// HF's BPE model without dropout: a word's characters start as one token each
// and the pair with the lowest merge rank is joined until no listed pair is
// left. Byte-level vocabularies take the word as raw bytes, each standing for
// its character of the byte-level alphabet; the others take it as UTF-8 text.
// A character outside the vocabulary becomes its <0xXX> byte tokens
// (byte_fallback), else the unknown token (runs fused with fuse_unk), else nothing.
#include "tokenizer/merge_table.hpp"
#include "tokenizer/word_cache.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace tp {

struct BpeOptions {
  bool byte_level = true;      // words arrive as raw bytes (a ByteLevel pre-tokenizer)
  bool ignore_merges = false;  // a word found whole in the vocabulary is one token
  bool byte_fallback = false;
  bool fuse_unk = false;
  std::optional<std::string> unk_token;
};

class BpeModel {
 public:
  // `tokens[id]` is the vocabulary form ("Ġhi") of each id.
  BpeModel(std::vector<std::string> tokens, BpeOptions options);

  // Merges get their rank in the order they are added; throws std::invalid_argument
  // for a merge of tokens outside the vocabulary.
  void reserve_merges(std::size_t count) { merges_.reserve(count); }
  void add_merge(std::string_view left, std::string_view right);

  // Appends the ids of one pre-tokenized word: raw bytes when byte_level, else UTF-8 text.
  // Throws tp::Error when it needs an unk_token that is not in the vocabulary.
  void encode_word(std::string_view word, std::vector<std::int32_t>& out) const;

  std::optional<std::int32_t> token_to_id(std::string_view token) const;
  // nullptr for ids outside the vocabulary.
  const std::string* id_to_token(std::int32_t id) const;
  std::size_t size() const { return ids_.size(); }
  std::size_t id_limit() const { return tokens_.size(); }

 private:
  struct TransparentHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  void merge_symbols(std::vector<std::int32_t>& symbols) const;
  void initial_symbols(std::string_view word, std::vector<std::int32_t>& symbols) const;
  // HF's merge_word for one character outside the vocabulary; `pending_unk`
  // is the unknown token not yet emitted and the count of its characters.
  void add_unknown(std::string_view character, std::vector<std::int32_t>& symbols, std::int32_t& pending_unk) const;
  std::optional<std::int32_t> char_id(std::string_view character) const;

  std::vector<std::string> tokens_;
  std::unordered_map<std::string, std::int32_t, TransparentHash, std::equal_to<>> ids_;
  std::array<std::int32_t, 256> byte_ids_{};  // byte-level: the id of each byte's symbol, -1 when absent
  std::array<std::int32_t, 128> ascii_ids_{};  // text: the id of each ASCII character, -1 when absent
  std::array<std::int32_t, 256> fallback_ids_{};  // the id of <0xXX>, -1 when absent
  std::optional<std::int32_t> unk_id_;
  MergeTable merges_;
  std::int32_t next_rank_ = 0;
  BpeOptions options_;
  WordCache cache_;
};

}  // namespace tp
