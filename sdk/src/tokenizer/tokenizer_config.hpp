#pragma once
// What tokenizer_config.json, special_tokens_map.json and added_tokens.json
// say about special tokens, added tokens and BOS/EOS addition.
#include "tokenizer/added_tokens.hpp"
#include "tunepipe/tokenizer.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace tp {

// A bos/eos/pad/unk entry: absent (use the defaults), null, or a token.
struct SpecialTokenSetting {
  bool given = false;
  std::optional<AddedToken> token;  // content and flags; id unresolved (-1)
  std::filesystem::path file;       // the config file that sets it; empty for a TokenizerOptions setting
};

struct TokenizerConfig {
  SpecialTokenSetting bos, eos, pad, unk;
  std::optional<bool> add_bos, add_eos;
  std::vector<AddedToken> added_tokens;          // with ids: added_tokens_decoder, added_tokens.json
  std::vector<AddedToken> additional_special;    // ids unresolved
  bool clean_up_tokenization_spaces = false;
  std::string tokenizer_class;  // e.g. "Qwen2Tokenizer"; empty when not given
};

// Reads whichever of the three files exist in `dir`.
TokenizerConfig read_tokenizer_config(const std::filesystem::path& dir);

// The changes `options` make to what the files say: extra special tokens and a replacement EOS.
void apply_tokenizer_options(const TokenizerOptions& options, TokenizerConfig& config);

}  // namespace tp
