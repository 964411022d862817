#pragma once
// The Modelfile `ollama create NAME -f FILE` reads for an exported GGUF.
#include <optional>
#include <string>
#include <vector>

#include "tunepipe/gguf.hpp"

namespace tp::core::cli {

// FROM `from` (the GGUF file: "./NAME.gguf" beside the Modelfile, or a path),
// ADAPTER when a LoRA GGUF goes with it, TEMPLATE: the chat template in
// Ollama's Go template syntax where it translates (ollama_template.hpp;
// otherwise Ollama detects one from the file's tokenizer.chat_template), and
// PARAMETER stop for each end-of-generation token (EOS, end of turn, end of
// message) the file names.
std::string ollama_modelfile(const std::string& from, const std::optional<std::string>& chat_template,
                             const gguf::Metadata& metadata,
                             const std::optional<std::string>& adapter = std::nullopt);

}  // namespace tp::core::cli
