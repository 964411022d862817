#include "tunepipe/token_id_range.hpp"

#include "tokenizer/bpe_tokenizer.hpp"
#include "tokenizer/sentencepiece_tokenizer.hpp"

namespace tp {

TokenIdRange token_id_range(const Tokenizer& tokenizer) {
  if (const auto* bpe = dynamic_cast<const BpeTokenizer*>(&tokenizer)) return {bpe->highest_id(), bpe->source()};
  if (const auto* spm = dynamic_cast<const SentencePieceTokenizer*>(&tokenizer))
    return {spm->highest_id(), spm->source()};
  return {static_cast<std::int32_t>(tokenizer.vocab_size()) - 1, {}};
}

}  // namespace tp
