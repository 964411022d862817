#pragma once
// The protobuf wire format, for the few small messages the sinks write
// (TensorBoard events, SwanLab records): each field is a key (field number << 3
// | wire type) followed by a varint, a little-endian 64- or 32-bit value, or a
// length and that many bytes (strings, bytes, nested messages).
// https://protobuf.dev/programming-guides/encoding/
#include <bit>
#include <cstdint>
#include <string>
#include <string_view>

#include "little_endian.hpp"

namespace tp::sinks::protobuf {

class Writer {
 public:
  // int32/int64/uint64/bool/enum fields (negative int64 values take ten bytes, as protobuf writes them).
  Writer& varint(std::uint32_t field, std::uint64_t value) {
    key(field, WireType::Varint);
    put_varint(value);
    return *this;
  }
  Writer& double_value(std::uint32_t field, double value) {
    key(field, WireType::Fixed64);
    append_little_endian(data_, std::bit_cast<std::uint64_t>(value), 8);
    return *this;
  }
  Writer& float_value(std::uint32_t field, float value) {
    key(field, WireType::Fixed32);
    append_little_endian(data_, std::bit_cast<std::uint32_t>(value), 4);
    return *this;
  }
  // string and bytes fields
  Writer& bytes(std::uint32_t field, std::string_view value) {
    key(field, WireType::LengthDelimited);
    put_varint(value.size());
    data_ += value;
    return *this;
  }
  Writer& message(std::uint32_t field, const Writer& nested) { return bytes(field, nested.data()); }

  // proto3 fields without explicit presence: protobuf's serializers leave one
  // out when it holds its type's default (0, +0.0, ""), and readers take a
  // missing field for that default.
  Writer& varint_unless_default(std::uint32_t field, std::uint64_t value) {
    return value != 0 ? varint(field, value) : *this;
  }
  Writer& double_unless_default(std::uint32_t field, double value) {
    return std::bit_cast<std::uint64_t>(value) != 0 ? double_value(field, value) : *this;
  }
  Writer& bytes_unless_default(std::uint32_t field, std::string_view value) {
    return value.empty() ? *this : bytes(field, value);
  }

  const std::string& data() const { return data_; }

 private:
  enum class WireType : std::uint32_t { Varint = 0, Fixed64 = 1, LengthDelimited = 2, Fixed32 = 5 };

  void key(std::uint32_t field, WireType type) { put_varint(field << 3 | static_cast<std::uint32_t>(type)); }
  void put_varint(std::uint64_t value) {
    while (value >= 0x80) {
      data_ += static_cast<char>((value & 0x7f) | 0x80);
      value >>= 7;
    }
    data_ += static_cast<char>(value);
  }

  std::string data_;
};

}  // namespace tp::sinks::protobuf
