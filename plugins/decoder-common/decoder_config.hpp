#pragma once
// An HF config.json object → tp::DecoderConfig for the decoder architectures
// DecoderCausalLM computes exactly as transformers does. Anything in the file that would change
// the math but is not implemented is an error naming the key, never ignored.
#include <string>

#include <nlohmann/json.hpp>

#include "tunepipe/causal_lm.hpp"

namespace tp::decoder {

// Throws tp::Error naming `file` and the key.
DecoderConfig parse_decoder_config(const nlohmann::json& config, const std::string& file);

// ERNIE-4.5 rotates adjacent pairs (x0,x1),(x2,x3)… in fp32; the others rotate
// the two halves of each head in the activations' dtype.
bool uses_interleaved_rotary(const DecoderConfig& config);

}  // namespace tp::decoder
