#pragma once
// config.json → tp::DecoderConfig for the decoder architectures this plugin
// computes exactly as transformers does. Anything in the file that would change
// the math but is not implemented is an error naming the key, never ignored.
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "tunepipe/causal_lm.hpp"

namespace tp::hf {

// Reads <dir>/config.json; throws tp::Error naming the file and the key.
DecoderConfig read_decoder_config(const std::filesystem::path& dir);

// The same for an already parsed object; `file` names it in errors.
DecoderConfig parse_decoder_config(const nlohmann::json& config, const std::string& file);

// ERNIE-4.5 rotates adjacent pairs (x0,x1),(x2,x3)… in fp32; the others rotate
// the two halves of each head in the activations' dtype.
bool uses_interleaved_rotary(const DecoderConfig& config);

}  // namespace tp::hf
