#pragma once
// Checks and clean-ups both tokenizer kinds apply to their input and output.
#include <cstdint>
#include <string>
#include <string_view>

namespace tp {

// Throws tp::Error naming the byte offset of the first invalid UTF-8 sequence.
void require_valid_utf8(std::string_view text);

// Throws tp::Error for an id outside [0, vocab_size).
[[noreturn]] void fail_unknown_id(std::int32_t id, std::size_t vocab_size);

// transformers' clean_up_tokenization: " ." -> "." and the like.
void clean_up_tokenization_spaces(std::string& text);

}  // namespace tp
