#pragma once
// Reads a GGUF header front to back: little-endian fields, each bounds-checked
// against the end of the file. Every error names the file, the part being read
// (a metadata key, a tensor) and the byte offset.
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>

namespace tp::gguf {

class ByteReader {
 public:
  ByteReader(std::span<const std::byte> bytes, const std::filesystem::path& path) : bytes_(bytes), path_(path) {}

  std::uint64_t offset() const { return offset_; }
  std::uint64_t size() const { return bytes_.size(); }
  std::uint64_t remaining() const { return bytes_.size() - offset_; }
  const std::filesystem::path& path() const { return path_; }

  // What is being read, for messages: "metadata key \"general.name\"", "tensor \"output.weight\"".
  void set_context(std::string context) { context_ = std::move(context); }

  // `what` names the field in the message when the file ends before it does.
  template <class T>
  T read(std::string_view what) {
    static_assert(std::is_arithmetic_v<T>);
    static_assert(std::endian::native == std::endian::little, "GGUF fields are read as little-endian in place");
    T value;
    std::memcpy(&value, take(sizeof(T), what), sizeof(T));
    return value;
  }
  std::string_view read_bytes(std::uint64_t count, std::string_view what) {
    return {reinterpret_cast<const char*>(take(count, what)), static_cast<std::size_t>(count)};
  }

  // "<file>: error: <context>: <message> (at byte <offset>)"; `at` defaults to where reading stands.
  [[noreturn]] void fail(const std::string& message) const { fail_at(offset_, message); }
  [[noreturn]] void fail_at(std::uint64_t at, const std::string& message) const;

 private:
  const std::byte* take(std::uint64_t count, std::string_view what);

  std::span<const std::byte> bytes_;
  std::filesystem::path path_;
  std::uint64_t offset_ = 0;
  std::string context_;
};

}  // namespace tp::gguf
