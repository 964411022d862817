#pragma once
// A whole file mapped read-only (safetensors and GGUF readers). Views into it
// share ownership of the mapping, so it lives as long as the last view.
#include <cstddef>
#include <filesystem>
#include <span>

namespace tp {

class MappedFile {
 public:
  // Throws tp::Error naming the file when it cannot be opened, is not a
  // regular file, or cannot be mapped. An empty file maps to no bytes (the
  // format's own header check reports it).
  explicit MappedFile(const std::filesystem::path& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  std::span<const std::byte> bytes() const { return {data_, size_}; }
  const std::byte* data() const { return data_; }
  std::size_t size() const { return size_; }

 private:
  const std::byte* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace tp
