#pragma once
// Byte-level BPE: a word's bytes start as one token each and the pair with the
// lowest merge rank is joined until no listed pair is left (HF's BPE model
// with ByteLevel pre-tokenization, no dropout, no unknown token).
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

class BpeModel {
 public:
  // `tokens[id]` is the vocabulary form ("Ġhi") of each id; every byte's symbol
  // must be present. Throws std::invalid_argument naming what is wrong.
  BpeModel(std::vector<std::string> tokens, bool ignore_merges);

  // Merges get their rank in the order they are added.
  void reserve_merges(std::size_t count) { merges_.reserve(count); }
  void add_merge(std::string_view left, std::string_view right);

  // Appends the ids of one pre-tokenized word given as raw bytes.
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

  std::vector<std::string> tokens_;
  std::unordered_map<std::string, std::int32_t, TransparentHash, std::equal_to<>> ids_;
  std::array<std::int32_t, 256> byte_ids_{};
  MergeTable merges_;
  std::int32_t next_rank_ = 0;
  bool ignore_merges_;
  WordCache cache_;
};

}  // namespace tp
