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

// The tokenizer.ggml.pre llama.cpp's converter writes for a tokenizer.json "pre_tokenizer" node that splits as
// one of the types (GPT-2's ByteLevel, digits then ByteLevel, or a Split pattern then ByteLevel); nullopt for
// any other split.
std::optional<std::string> byte_level_pre_type(const nlohmann::json& pre_tokenizer);
// The types byte_level_pre_type names, comma-separated, for error messages.
std::string byte_level_pre_type_names();

}  // namespace tp::gguf
