#pragma once
// The tokenizer.ggml.* metadata of a GGUF file, validated on reading: the
// parallel arrays agree in length, ids lie inside the vocabulary, merges are
// two tokens and scores are numbers. Each failure names the file and the key.
#include "tunepipe/gguf.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tp::gguf {

inline constexpr std::string_view kTokenizerModelKey = "tokenizer.ggml.model";
inline constexpr std::string_view kTokenizerPreKey = "tokenizer.ggml.pre";
inline constexpr std::string_view kTokensKey = "tokenizer.ggml.tokens";
inline constexpr std::string_view kScoresKey = "tokenizer.ggml.scores";
inline constexpr std::string_view kTokenTypeKey = "tokenizer.ggml.token_type";
inline constexpr std::string_view kMergesKey = "tokenizer.ggml.merges";

// llama.cpp's token types (gguf.TokenType).
enum class TokenType : std::int64_t { undefined = 0, normal, unknown, control, user_defined, unused, byte };

struct TokenMerge {
  std::string left, right;
};

struct TokenizerMetadata {
  std::string model;                        // tokenizer.ggml.model
  std::optional<std::string> pre;           // tokenizer.ggml.pre
  std::string architecture;                 // general.architecture; empty when absent
  std::vector<std::string> tokens;          // by id, as the file spells them
  std::optional<std::vector<double>> scores;
  std::vector<TokenType> token_types;       // empty when the file has none
  std::optional<std::vector<TokenMerge>> merges;
  std::optional<std::int32_t> bos, eos, unk, pad;
  std::optional<bool> add_bos, add_eos;
  std::optional<bool> add_space_prefix;     // SentencePiece's add_dummy_prefix
};

TokenizerMetadata read_tokenizer_metadata(const File& file);

// A tp::Error at the file: `metadata key "<key>" <message>`.
[[noreturn]] void fail_at_key(const File& file, std::string_view key, const std::string& message);
// The same for one element of an array: `element <index> of metadata key "<key>" <message>`.
[[noreturn]] void fail_at_element(const File& file, std::string_view key, std::size_t index, const std::string& message);

}  // namespace tp::gguf
