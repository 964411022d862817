#pragma once
// TOML allows characters beyond ASCII only inside quoted strings and comments.
// toml++ 3.3 (Debian's) reaches __builtin_unreachable() when it classifies some
// of them elsewhere (U+00A1–U+0499 and U+2C56–U+304F in a bare key, say):
// every caller of toml::parse checks its text with this first.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tp {

struct TomlNonAscii {
  std::uint32_t line = 0, column = 0;  // 1-based; columns count characters
  std::string character;               // as written (its UTF-8 bytes)
};

// The first non-ASCII character outside strings and comments; nullopt when there is none.
std::optional<TomlNonAscii> non_ascii_outside_toml_strings(std::string_view text);

}  // namespace tp
