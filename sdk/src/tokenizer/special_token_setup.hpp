#pragma once
// Turns the special tokens a config names into added tokens with ids and into
// the SpecialTokens of the interface; shared by both tokenizer kinds.
#include "tokenizer/added_tokens.hpp"
#include "tokenizer/tokenizer_config.hpp"
#include "tunepipe/tokenizer.hpp"

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace tp {

struct SpecialTokenDefaults {
  std::optional<std::string> bos, eos, pad, unk;  // used when the config does not mention them
};

// Adds the config's added tokens, then the bos/eos/pad/unk and additional
// special tokens to `added`. A token's id comes from `added`, then from
// `model_id`; a content found in neither gets the next free id, as HF does,
// except the EOS token: a new one would be an untrained embedding row the model
// never generates, so answers would not end. That throws tp::Error naming the
// file that sets it (`vocabulary`, the tokenizer's own file, for an option).
// Builds `added` and returns the ids (add_bos/add_eos are left false).
SpecialTokens register_tokens(const TokenizerConfig& config, const SpecialTokenDefaults& defaults,
                              const std::function<std::optional<std::int32_t>(std::string_view)>& model_id,
                              std::size_t model_id_limit, AddedVocabulary& added,
                              const std::filesystem::path& vocabulary);

}  // namespace tp
