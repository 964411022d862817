#pragma once
// The options every model stage (hf, gguf) has besides its path, declared once.
#include <string>
#include <vector>

#include "tunepipe/option_key.hpp"
#include "tunepipe/tokenizer.hpp"

namespace tp::decoder {

const OptionKey<std::vector<std::string>>& extra_special_tokens_key();
const OptionKey<std::string>& eos_token_key();
const OptionKey<std::string>& device_key();

// extra_special_tokens and eos_token as the tokenizer loaders take them.
TokenizerOptions tokenizer_options(const Options& options);

// Reports a `device` that is none of auto, cpu, cuda, cuda:N.
void validate_device(const Options& options, Diagnostics& errors);

}  // namespace tp::decoder
