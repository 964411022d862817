#pragma once
// The little-endian encoding of GGUF header fields, as GGUFWriter packs them
// (struct "<I", "<Q", …): strings as a uint64 length and their bytes, metadata
// values with the nesting arrays may have.
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <type_traits>
#include <vector>

#include "tunepipe/gguf.hpp"

namespace tp::gguf {

class ByteSink {
 public:
  template <class T>
  void put(T value) {
    static_assert(std::is_arithmetic_v<T>);
    static_assert(std::endian::native == std::endian::little, "GGUF fields are written as little-endian in place");
    const std::size_t at = bytes_.size();
    bytes_.resize(at + sizeof(T));
    std::memcpy(bytes_.data() + at, &value, sizeof(T));
  }
  void put_bytes(const void* data, std::size_t size);
  void put_string(std::string_view text);  // uint64 length, then the bytes

  const std::vector<std::byte>& bytes() const { return bytes_; }
  std::vector<std::byte> take() { return std::move(bytes_); }

 private:
  std::vector<std::byte> bytes_;
};

// Appends one key/value pair: the key, the value type, the value. Throws
// tp::Error naming the key when an integer lies outside its type's range or
// arrays nest deeper than the reader accepts (kMaxArrayDepth).
void put_metadata_entry(ByteSink& sink, std::string_view key, const Value& value);

}  // namespace tp::gguf
