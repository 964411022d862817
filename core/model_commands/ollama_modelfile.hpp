#pragma once
// The Modelfile `ollama create NAME -f FILE` reads for an exported GGUF.
#include <optional>
#include <string>
#include <vector>

#include "tunepipe/gguf.hpp"

namespace tp::core::cli {

// FROM the GGUF file (a path relative to the Modelfile), TEMPLATE in Ollama's
// Go template syntax when the chat template is one whose translation is known
// (ChatML; otherwise Ollama falls back to its own detection from the file's
// tokenizer.chat_template), and PARAMETER stop for each end-of-generation
// token (EOS, end of turn, end of message) the file names.
std::string ollama_modelfile(const std::string& gguf_file_name, const std::optional<std::string>& chat_template,
                             const gguf::Metadata& metadata);

}  // namespace tp::core::cli
