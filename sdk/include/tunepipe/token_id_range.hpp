#pragma once
// The ids a tokenizer can produce, for pairing it with a model: every one
// needs a row in the model's embedding.
#include <cstdint>
#include <filesystem>

#include "tunepipe/tokenizer.hpp"

namespace tp {

struct TokenIdRange {
  std::int32_t highest_id = -1;  // of the vocabulary and the added/special tokens; -1 when there are none
  std::filesystem::path file;    // what the tokenizer was read from (tokenizer.json, tokenizer.model, vocab.json)
};

// For the tokenizers load_tokenizer makes. Another implementation's ids are
// taken to be 0 .. vocab_size() - 1, read from no file.
TokenIdRange token_id_range(const Tokenizer& tokenizer);

}  // namespace tp
