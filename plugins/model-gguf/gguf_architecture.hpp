#pragma once
// What a GGUF file's metadata says about the decoder, in the terms of an HF
// config.json, so the decoder is configured (and validated) exactly as for a
// checkpoint folder. Only what llama.cpp and transformers compute alike is
// accepted; anything else that changes the math is an error naming the key.
#include <nlohmann/json.hpp>
#include <string>

#include "tunepipe/gguf.hpp"
#include "tunepipe/gguf_names.hpp"
#include "tunepipe/model.hpp"

namespace tp::gguf_model {

// general.architecture's entry; throws tp::Error listing the supported ones.
const gguf::Architecture& architecture_of(const gguf::File& file);

// The config.json object transformers derives from the file (and the token ids
// generation stops at: EOS, end of turn, end of message).
nlohmann::json hf_config(const gguf::File& file);

ModelInfo model_info(const gguf::File& file);

}  // namespace tp::gguf_model
