#include "common/utf8.hpp"

namespace tp {

std::optional<std::size_t> first_invalid_utf8(std::string_view text) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  const auto continuation = [&](std::size_t i) { return i < text.size() && (byte(i) & 0xC0) == 0x80; };
  std::size_t i = 0;
  while (i < text.size()) {
    const unsigned char lead = byte(i);
    if (lead < 0x80) {
      ++i;
      continue;
    }
    std::size_t length = 0;
    unsigned char min_second = 0x80, max_second = 0xBF;  // narrower ranges rule out overlongs and surrogates
    if (lead >= 0xC2 && lead <= 0xDF) length = 2;
    else if (lead == 0xE0) length = 3, min_second = 0xA0;
    else if (lead == 0xED) length = 3, max_second = 0x9F;
    else if (lead >= 0xE1 && lead <= 0xEF) length = 3;
    else if (lead == 0xF0) length = 4, min_second = 0x90;
    else if (lead == 0xF4) length = 4, max_second = 0x8F;
    else if (lead >= 0xF1 && lead <= 0xF3) length = 4;
    else return i;
    if (i + 1 >= text.size() || byte(i + 1) < min_second || byte(i + 1) > max_second) return i;
    for (std::size_t k = 2; k < length; ++k)
      if (!continuation(i + k)) return i;
    i += length;
  }
  return std::nullopt;
}

}  // namespace tp
