#pragma once
// Which metadata value types are integers (signed or not) and which are floats.
#include "tunepipe/gguf.hpp"

namespace tp::gguf {

constexpr bool is_unsigned_type(ValueType type) {
  return type == ValueType::uint8 || type == ValueType::uint16 || type == ValueType::uint32 ||
         type == ValueType::uint64;
}

constexpr bool is_signed_type(ValueType type) {
  return type == ValueType::int8 || type == ValueType::int16 || type == ValueType::int32 || type == ValueType::int64;
}

constexpr bool is_integer_type(ValueType type) { return is_unsigned_type(type) || is_signed_type(type); }

constexpr bool is_float_type(ValueType type) { return type == ValueType::float32 || type == ValueType::float64; }

}  // namespace tp::gguf
