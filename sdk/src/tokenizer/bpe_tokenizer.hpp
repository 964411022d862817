#pragma once
// The BPE tokenizer of a tokenizer.json (or vocab.json + merges.txt): added
// tokens, normalizers, pre-tokenizers, the BPE model per word and the
// post-processor's tokens; decoding runs the decoders.
#include "tokenizer/added_tokens.hpp"
#include "tokenizer/bpe_model.hpp"
#include "tokenizer/decoder_chain.hpp"
#include "tokenizer/normalizer_chain.hpp"
#include "tokenizer/pre_tokenizer_chain.hpp"
#include "tunepipe/tokenizer.hpp"

#include <filesystem>
#include <memory>
#include <vector>

namespace tp {

struct BpePipeline {
  NormalizerChain normalizer;
  PreTokenizerChain pre_tokenizer;
  DecoderChain decoder;
  // What encode(..., add_special_tokens=true) puts around the text (the post-processor).
  std::vector<std::int32_t> prefix_ids, suffix_ids;
  bool clean_up_tokenization_spaces = false;
};

class BpeTokenizer final : public Tokenizer {
 public:
  // `source`: the file it was read from (tokenizer.json or vocab.json), for messages.
  BpeTokenizer(BpePipeline pipeline, std::unique_ptr<BpeModel> model, AddedVocabulary added, SpecialTokens special,
               std::filesystem::path source);

  std::vector<std::int32_t> encode(std::string_view text, bool add_special_tokens = false) const override;
  std::string decode(std::span<const std::int32_t> ids, bool skip_special_tokens = false) const override;
  std::optional<std::int32_t> token_to_id(std::string_view token) const override;
  std::string id_to_token(std::int32_t id) const override;
  std::size_t vocab_size() const override { return vocab_size_; }
  bool is_special(std::int32_t id) const override;
  const SpecialTokens& special_tokens() const override { return special_; }
  std::string kind() const override { return "bpe"; }

  std::int32_t highest_id() const;
  const std::filesystem::path& source() const { return source_; }

 private:
  void encode_text(std::string_view text, bool at_origin, std::vector<std::int32_t>& ids) const;
  void encode_words(std::string_view text, bool at_origin, std::vector<std::int32_t>& ids) const;

  BpePipeline pipeline_;
  std::unique_ptr<BpeModel> model_;
  AddedVocabulary added_;
  SpecialTokens special_;
  std::size_t vocab_size_ = 0;
  std::filesystem::path source_;
};

}  // namespace tp
