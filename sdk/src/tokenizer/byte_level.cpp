#include "tokenizer/byte_level.hpp"

#include "tokenizer/utf8.hpp"

#include <unordered_map>

namespace tp::byte_level {

namespace {

// Printable Latin-1 bytes stand for themselves; the others (controls, space,
// soft hyphen...) are shifted to U+0100 onwards, in byte order.
struct Alphabet {
  std::array<char32_t, 256> code_points{};
  std::array<std::string, 256> symbols;
  std::unordered_map<char32_t, std::uint8_t> bytes;

  Alphabet() {
    char32_t shifted = 0x100;
    for (int b = 0; b < 256; ++b) {
      const bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
      code_points[b] = printable ? static_cast<char32_t>(b) : shifted++;
      utf8::append_code_point(symbols[b], code_points[b]);
      bytes.emplace(code_points[b], static_cast<std::uint8_t>(b));
    }
  }
};

const Alphabet& alphabet() {
  static const Alphabet instance;
  return instance;
}

}  // namespace

char32_t byte_to_code_point(std::uint8_t byte) { return alphabet().code_points[byte]; }

const std::array<std::string, 256>& byte_symbols() { return alphabet().symbols; }

std::string encode(std::string_view bytes) {
  const auto& symbols = alphabet().symbols;
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char c : bytes) out += symbols[static_cast<std::uint8_t>(c)];
  return out;
}

bool decode(std::string_view token, std::string& out) {
  const auto& bytes = alphabet().bytes;
  const std::size_t mark = out.size();
  std::size_t pos = 0;
  while (pos < token.size()) {
    const auto it = bytes.find(utf8::next_code_point(token, pos));
    if (it == bytes.end()) {
      out.resize(mark);
      return false;
    }
    out += static_cast<char>(it->second);
  }
  return true;
}

}  // namespace tp::byte_level
