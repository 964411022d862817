#pragma once
#include <cstdint>
#include <filesystem>
#include <vector>

#include "tunepipe/safetensors.hpp"

namespace tp::safetensors {

// The tensors must tile the data area exactly: sorted by offset, each begins
// where the previous one ended, and the last one ends where the file does.
void check_data_layout(const std::vector<TensorInfo>& tensors, std::uint64_t data_size,
                       const std::filesystem::path& path);

}  // namespace tp::safetensors
