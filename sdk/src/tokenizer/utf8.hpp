#pragma once
// UTF-8 helpers shared by the tokenizers.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace tp::utf8 {

// Length in bytes of the sequence starting with `lead` (1 for invalid leads).
inline std::size_t sequence_length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if ((lead >> 5) == 0x6) return 2;
  if ((lead >> 4) == 0xE) return 3;
  if ((lead >> 3) == 0x1E) return 4;
  return 1;
}

// Decodes the code point at `pos` of valid UTF-8 and advances `pos`.
char32_t next_code_point(std::string_view text, std::size_t& pos);

void append_code_point(std::string& out, char32_t cp);

// Byte offset of the first invalid sequence, or npos when `text` is valid UTF-8.
std::size_t find_invalid(std::string_view text);

// Appends `bytes` to `out`, replacing each maximal invalid subpart with U+FFFD
// (the policy of Python's "replace" and Rust's from_utf8_lossy).
void append_lossy(std::string& out, std::string_view bytes);

// Unicode White_Space, the \s of the regex engines HF tokenizers uses.
bool is_white_space(char32_t cp);

}  // namespace tp::utf8
