#pragma once
// Where the tensors of a GGUF file lie in its data area.
#include <cstdint>
#include <filesystem>
#include <vector>

#include "tunepipe/gguf.hpp"

namespace tp::gguf {

// Each tensor's offset is a multiple of the alignment, its bytes lie inside
// the data area (data_size bytes from byte data_start of the file), and no two
// tensors share a byte. Gaps are allowed: writers pad each tensor to the alignment.
void check_tensor_layout(const std::vector<TensorInfo>& tensors, std::uint64_t alignment, std::uint64_t data_start,
                         std::uint64_t data_size, const std::filesystem::path& path);

}  // namespace tp::gguf
