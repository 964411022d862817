#include "gguf/tokenizer_metadata.hpp"

#include "tokenizer/utf8.hpp"
#include "tunepipe/error.hpp"

#include <fmt/format.h>

#include <cmath>
#include <limits>

namespace tp::gguf {

void fail_at_key(const File& file, std::string_view key, const std::string& message) {
  throw Error(Location{file.path().string()}, fmt::format("metadata key \"{}\" {}", key, message));
}

void fail_at_element(const File& file, std::string_view key, std::size_t index, const std::string& message) {
  throw Error(Location{file.path().string()}, fmt::format("element {} of metadata key \"{}\" {}", index, key, message));
}

namespace {

void require_parallel(const File& file, std::string_view key, std::size_t size, std::size_t tokens) {
  if (size != tokens) {
    fail_at_key(file, key,
                fmt::format("has {} elements but \"{}\" has {}: the two arrays must have one entry per token", size,
                            kTokensKey, tokens));
  }
}

std::vector<std::string> read_tokens(const File& file) {
  std::vector<std::string> tokens = file.metadata().get_string_array(kTokensKey);
  if (tokens.empty()) fail_at_key(file, kTokensKey, "is empty: the vocabulary needs at least one token");
  if (tokens.size() > static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max()))
    fail_at_key(file, kTokensKey, fmt::format("has {} tokens, more than token ids can number", tokens.size()));
  // Tokens become text (the vocabulary, added tokens matched in the input), which must be UTF-8.
  for (std::size_t id = 0; id < tokens.size(); ++id) {
    if (const auto offset = utf8::find_invalid(tokens[id]); offset != std::string::npos)
      fail_at_element(file, kTokensKey, id, fmt::format("is not valid UTF-8 (at byte {})", offset));
  }
  return tokens;
}

std::optional<std::vector<double>> read_scores(const File& file, std::size_t tokens) {
  auto scores = file.metadata().find_float_array(kScoresKey);
  if (!scores) return scores;
  require_parallel(file, kScoresKey, scores->size(), tokens);
  // The scores order derived merges: a NaN has no place in that order.
  for (std::size_t id = 0; id < scores->size(); ++id) {
    if (std::isnan((*scores)[id])) fail_at_element(file, kScoresKey, id, "is NaN");
  }
  return scores;
}

std::vector<TokenType> read_token_types(const File& file, std::size_t tokens) {
  std::vector<TokenType> types;
  const auto values = file.metadata().find_integer_array(kTokenTypeKey, static_cast<std::int64_t>(TokenType::undefined),
                                                         static_cast<std::int64_t>(TokenType::byte));
  if (!values) return types;
  require_parallel(file, kTokenTypeKey, values->size(), tokens);
  types.reserve(values->size());
  for (const std::int64_t value : *values) types.push_back(static_cast<TokenType>(value));
  return types;
}

std::optional<std::vector<TokenMerge>> read_merges(const File& file) {
  const auto lines = file.metadata().find_string_array(kMergesKey);
  if (!lines) return std::nullopt;
  std::vector<TokenMerge> merges;
  merges.reserve(lines->size());
  for (std::size_t i = 0; i < lines->size(); ++i) {
    const std::string& line = (*lines)[i];
    const auto space = line.find(' ');
    if (space == 0 || space == std::string::npos || space + 1 == line.size() || line.find(' ', space + 1) != std::string::npos)
      fail_at_element(file, kMergesKey, i, fmt::format("is \"{}\", not two tokens separated by one space", line));
    merges.push_back(TokenMerge{line.substr(0, space), line.substr(space + 1)});
  }
  return merges;
}

std::optional<std::int32_t> read_token_id(const File& file, std::string_view key, std::size_t tokens) {
  const auto id = file.metadata().find_integer(key, 0, static_cast<std::int64_t>(tokens) - 1);
  if (!id) return std::nullopt;
  return static_cast<std::int32_t>(*id);
}

}  // namespace

TokenizerMetadata read_tokenizer_metadata(const File& file) {
  const Metadata& metadata = file.metadata();
  TokenizerMetadata result;
  result.model = metadata.get_string(kTokenizerModelKey);
  result.pre = metadata.find_string(kTokenizerPreKey);
  result.architecture = metadata.find_string("general.architecture").value_or("");
  result.tokens = read_tokens(file);
  const std::size_t count = result.tokens.size();
  result.scores = read_scores(file, count);
  result.token_types = read_token_types(file, count);
  result.merges = read_merges(file);
  result.bos = read_token_id(file, "tokenizer.ggml.bos_token_id", count);
  result.eos = read_token_id(file, "tokenizer.ggml.eos_token_id", count);
  result.unk = read_token_id(file, "tokenizer.ggml.unknown_token_id", count);
  result.pad = read_token_id(file, "tokenizer.ggml.padding_token_id", count);
  result.add_bos = metadata.find_bool("tokenizer.ggml.add_bos_token");
  result.add_eos = metadata.find_bool("tokenizer.ggml.add_eos_token");
  result.add_space_prefix = metadata.find_bool("tokenizer.ggml.add_space_prefix");
  return result;
}

}  // namespace tp::gguf
