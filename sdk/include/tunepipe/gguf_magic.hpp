#pragma once
// Whether a path is a GGUF file, by its first four bytes: how the model
// commands and the model plugins tell a GGUF file from a checkpoint folder
// without loading libtorch (the reader itself is in libtunepipe-model).
#include <filesystem>

namespace tp::gguf {

bool is_gguf_file(const std::filesystem::path& path);

}  // namespace tp::gguf
