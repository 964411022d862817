#pragma once
// Reads and validates the header of a GGUF file: magic, version, metadata,
// tensor infos, and where the data area lies.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <vector>

#include "tunepipe/gguf.hpp"

namespace tp::gguf {

inline constexpr std::uint64_t kDefaultAlignment = 32;  // GGUF_DEFAULT_ALIGNMENT

struct Header {
  std::uint32_t version = 0;
  Metadata metadata;
  std::uint64_t alignment = kDefaultAlignment;
  std::vector<TensorInfo> tensors;  // in file order
  std::uint64_t data_start = 0;     // where the data area begins in the file
  std::uint64_t data_size = 0;
};

Header parse_header(std::span<const std::byte> image, const std::filesystem::path& path);

}  // namespace tp::gguf
