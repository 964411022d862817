#pragma once
// Reads the parts of an HF checkpoint's config.json that identify the model.
#include <filesystem>

#include "tunepipe/model.hpp"

namespace tp::hf {

// Throws tp::Error naming config.json when it is present but malformed; a
// folder without config.json (a tokenizer-only folder) gives the path alone.
ModelInfo read_model_info(const std::filesystem::path& dir);

// The tokenizer files a folder must have, checked before anything is loaded;
// empty when they are there.
std::string missing_tokenizer_files(const std::filesystem::path& dir);

}  // namespace tp::hf
