#include "model_stage_options.hpp"

#include "tensor_placement.hpp"

namespace tp::decoder {

const OptionKey<std::vector<std::string>>& extra_special_tokens_key() {
  static const auto key = list_key("extra_special_tokens", std::vector<std::string>{},
                                   "tokens to split out of text whole, as "
                                   "tokenizer.add_tokens(..., special_tokens=True) does");
  return key;
}

const OptionKey<std::string>& eos_token_key() {
  static const auto key = string_key("eos_token", "", "replaces the model's EOS token (\"\": keep it)");
  return key;
}

const OptionKey<std::string>& device_key() {
  static const auto key = string_key("device", "auto",
                                     "where the weights live: auto (the first GPU when one is "
                                     "usable, else cpu), cpu, cuda, cuda:N");
  return key;
}

TokenizerOptions tokenizer_options(const Options& options) {
  TokenizerOptions tokenizer;
  tokenizer.extra_special_tokens = extra_special_tokens_key().read(options);
  if (const std::string& eos = eos_token_key().read(options); !eos.empty()) tokenizer.eos_token = eos;
  return tokenizer;
}

void validate_device(const Options& options, Diagnostics& errors) {
  const std::string& device = device_key().read(options);
  if (!is_device_name(device))
    errors.error(device_key().location(options),
                 options.context() + "device \"" + device + "\" is not one of auto, cpu, cuda, cuda:N");
}

}  // namespace tp::decoder
