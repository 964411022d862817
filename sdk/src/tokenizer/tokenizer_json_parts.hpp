#pragma once
// Readers of the parts of tokenizer.json around the BPE model. Each fails with
// the file, the key path and what is supported for anything it cannot do.
#include "tokenizer/decoder_chain.hpp"
#include "tokenizer/normalizer_chain.hpp"
#include "tokenizer/pre_tokenizer_chain.hpp"
#include "tokenizer/split_regex.hpp"
#include "tokenizer/tokenizer_json_node.hpp"

#include <cstdint>
#include <vector>

namespace tp {

// {"String": "..."} or {"Regex": "..."}.
SplitRegex read_pattern(const JsonNode& node);
// "first", "always" or "never"; a legacy add_prefix_space = false means "never".
PrependScheme read_prepend_scheme(const JsonNode& node);

NormalizerChain read_normalizer(const JsonNode& node);

struct PreTokenizerSetup {
  PreTokenizerChain chain;
  bool byte_level = false;  // ends with ByteLevel: the model takes raw bytes
};
PreTokenizerSetup read_pre_tokenizer(const JsonNode& node);

DecoderChain read_decoder(const JsonNode& node);

struct PostProcessorTokens {
  std::vector<std::int32_t> prefix, suffix;  // around the text of a single sequence
};
PostProcessorTokens read_post_processor(const JsonNode& node);

}  // namespace tp
