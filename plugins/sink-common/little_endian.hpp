#pragma once
#include <cstdint>
#include <string>

namespace tp::sinks {

// Appends the low `size` bytes of `value`, least significant first.
inline void append_little_endian(std::string& out, std::uint64_t value, int size) {
  for (int i = 0; i < size; ++i) out += static_cast<char>((value >> (8 * i)) & 0xff);
}

}  // namespace tp::sinks
