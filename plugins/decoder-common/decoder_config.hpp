#pragma once
// An HF config.json object → tp::DecoderConfig for the decoder architectures
// DecoderCausalLM computes exactly as transformers does. Anything in the file that would change
// the math but is not implemented is an error naming the key, never ignored.
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "tunepipe/causal_lm.hpp"

namespace tp::decoder {

// Throws tp::Error naming `file` and the key.
DecoderConfig parse_decoder_config(const nlohmann::json& config, const std::string& file);

// ERNIE-4.5 rotates adjacent pairs (x0,x1),(x2,x3)… in fp32; the others rotate
// the two halves of each head in the activations' dtype.
bool uses_interleaved_rotary(const DecoderConfig& config);

bool is_yuan2(const DecoderConfig& config);

// What a family reads from config.json beyond the public DecoderConfig.
struct FamilySettings {
  // Yuan2 with reset_attention_mask: no later token attends to this one (a document's end) or anything before
  // it — in forwards that record gradients (the reference's training mode), and in the others as well when
  // resets_without_gradients.
  std::optional<std::int64_t> attention_resets_after;
  bool resets_without_gradients = false;
};
FamilySettings parse_family_settings(const nlohmann::json& config_json, const DecoderConfig& config,
                                     const std::string& file);

}  // namespace tp::decoder
