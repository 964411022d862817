#pragma once
// Reads and validates the header of a safetensors file: the 8-byte length,
// the UTF-8 JSON it frames, every tensor entry, and the layout of the data area.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "tunepipe/safetensors.hpp"

namespace tp::safetensors {

// As the reference implementation: a larger header is a sign of a wrong or hostile file.
inline constexpr std::uint64_t kMaxHeaderBytes = 100'000'000;

struct Header {
  std::vector<TensorInfo> tensors;  // sorted by name
  std::map<std::string, std::string> metadata;
  std::size_t data_start = 0;  // where the data area begins in the file
};

Header parse_header(std::span<const std::byte> file_bytes, const std::filesystem::path& path);

}  // namespace tp::safetensors
