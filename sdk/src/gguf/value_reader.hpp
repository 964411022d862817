#pragma once
// Reads metadata values (and the strings keys and tensor names are made of)
// from a GGUF header. Every length and count is checked against the bytes
// left in the file before anything is reserved, and arrays nest at most
// kMaxArrayDepth deep, so a small file cannot make the reader allocate much
// more than its own size or recurse without bound.
#include <cstdint>
#include <string>
#include <string_view>

#include "gguf/byte_reader.hpp"
#include "tunepipe/gguf.hpp"

namespace tp::gguf {

// Real files nest no arrays at all; gguf-python can write a few levels.
inline constexpr int kMaxArrayDepth = 8;

// A uint64 length followed by that many bytes; `what` names it in messages.
std::string_view read_string(ByteReader& reader, std::string_view what);
// A string that must be non-empty, valid UTF-8 (keys and tensor names).
std::string read_name(ByteReader& reader, std::string_view what);
// A uint32 value type, refused unless GGUF defines it.
ValueType read_value_type(ByteReader& reader, std::string_view what);
Value read_value(ByteReader& reader, ValueType type);

}  // namespace tp::gguf
