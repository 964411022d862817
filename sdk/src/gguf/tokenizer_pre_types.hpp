#pragma once
// How a byte-level ("gpt2") GGUF vocabulary splits text before BPE, by its
// tokenizer.ggml.pre, as a tokenizer.json "pre_tokenizer" node.
#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace tp::gguf {

// nullopt for a type not in the table; an absent tokenizer.ggml.pre is "default".
std::optional<nlohmann::json> byte_level_pre_tokenizer(std::string_view pre);

// The accepted types, comma-separated, for error messages.
std::string byte_level_pre_types();

}  // namespace tp::gguf
