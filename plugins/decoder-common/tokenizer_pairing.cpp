#include "tokenizer_pairing.hpp"

#include <fmt/format.h>

#include "tunepipe/error.hpp"
#include "tunepipe/token_id_range.hpp"

namespace tp::decoder {

void check_tokenizer_fits(const Tokenizer& tokenizer, const ModelInfo& info, const std::string& vocab_origin) {
  const TokenIdRange range = token_id_range(tokenizer);
  if (info.vocab_size <= 0 || range.highest_id < info.vocab_size) return;
  const Location where{range.file.empty() ? info.path.string() : range.file.string()};
  throw Error(where, fmt::format("token \"{}\" has id {}, but the model has {} token embeddings ({}):"
                                 " this tokenizer does not belong to the model",
                                 tokenizer.id_to_token(range.highest_id), range.highest_id, info.vocab_size,
                                 vocab_origin));
}

}  // namespace tp::decoder
