#pragma once
// The byte-level alphabet of GPT-2 style BPE: every byte is shown as one
// printable code point so that vocabularies can be stored as text.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace tp::byte_level {

// The code point that represents `byte` in vocabulary strings.
char32_t byte_to_code_point(std::uint8_t byte);

// The UTF-8 text of the code point of every byte, e.g. "Ġ" for a space.
const std::array<std::string, 256>& byte_symbols();

// Text -> vocabulary form, e.g. " hi" -> "Ġhi".
std::string encode(std::string_view bytes);

// Appends the bytes a vocabulary-form token stands for. Returns false (and
// appends nothing) when a code point is outside the alphabet.
bool decode(std::string_view token, std::string& out);

}  // namespace tp::byte_level
