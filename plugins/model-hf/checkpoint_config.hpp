#pragma once
// Reads an HF checkpoint's config.json: what identifies the model, and the decoder it describes.
#include <filesystem>
#include <string>

#include "decoder_config.hpp"
#include "tunepipe/causal_lm.hpp"
#include "tunepipe/model.hpp"

namespace tp::hf {

// Throws tp::Error naming config.json when it is present but malformed; a
// folder without config.json (a tokenizer-only folder) gives the path alone.
ModelInfo read_model_info(const std::filesystem::path& dir);

// Reads <dir>/config.json; throws tp::Error naming the file and the key.
decoder::DecoderDescription read_decoder_description(const std::filesystem::path& dir);

// Where the model's vocabulary size is read, for errors.
std::string vocab_size_origin(const ModelInfo& info);

// The tokenizer files a folder must have, checked before anything is loaded;
// empty when they are there.
std::string missing_tokenizer_files(const std::filesystem::path& dir);

}  // namespace tp::hf
