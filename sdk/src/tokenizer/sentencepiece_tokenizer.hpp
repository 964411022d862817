#pragma once
// SentencePiece models (tokenizer.model) through libsentencepiece, with HF's
// handling of added/special tokens around them.
//
// Reference: the pieces of plain text are python `sentencepiece`'s (the model's
// own algorithm; HF's conversion to a tokenizers BPE breaks score ties and
// whitespace-only pieces differently). Around special tokens we follow HF's
// AutoTokenizer: they are cut out of the text first, and only the text at the
// very start gets SentencePiece's dummy-prefix space ("<s>hi" -> <s>, "hi").
// ERNIE-4.5's own tokenizer class encodes every piece between special tokens
// separately, each with the dummy prefix; we follow it when the config names it.
#include "tokenizer/added_tokens.hpp"
#include "tokenizer/tokenizer_config.hpp"
#include "tunepipe/tokenizer.hpp"

#include <filesystem>
#include <memory>
#include <vector>

namespace sentencepiece {
class SentencePieceProcessor;
}

namespace tp {

class SentencePieceTokenizer final : public Tokenizer {
 public:
  // Throws tp::Error naming `model_file` when it cannot be loaded.
  SentencePieceTokenizer(const std::filesystem::path& model_file, const TokenizerConfig& config);
  ~SentencePieceTokenizer() override;

  std::vector<std::int32_t> encode(std::string_view text, bool add_special_tokens = false) const override;
  std::string decode(std::span<const std::int32_t> ids, bool skip_special_tokens = false) const override;
  std::optional<std::int32_t> token_to_id(std::string_view token) const override;
  std::string id_to_token(std::int32_t id) const override;
  std::size_t vocab_size() const override { return vocab_size_; }
  bool is_special(std::int32_t id) const override;
  const SpecialTokens& special_tokens() const override { return special_; }
  std::string kind() const override { return "sentencepiece"; }

  std::int32_t highest_id() const;
  const std::filesystem::path& source() const { return source_; }

 private:
  void encode_piece(std::string_view text, bool at_start, std::vector<std::int32_t>& ids) const;
  void append_piece_text(std::int32_t id, bool segment_start, std::string& out, std::string& pending_bytes,
                         std::size_t& pending_count) const;

  std::unique_ptr<sentencepiece::SentencePieceProcessor> at_start_;  // adds the dummy prefix
  std::unique_ptr<sentencepiece::SentencePieceProcessor> inside_;    // never adds it
  bool adds_dummy_prefix_ = true;
  bool prefix_every_segment_ = false;
  bool clean_up_tokenization_spaces_ = false;
  std::size_t piece_count_ = 0;
  std::size_t vocab_size_ = 0;
  AddedVocabulary added_;
  SpecialTokens special_;
  std::filesystem::path source_;
};

}  // namespace tp
