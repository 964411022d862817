#pragma once
// ggml's tensor types: name, and how many elements one block holds in how many bytes.
#include <cstdint>
#include <string>
#include <string_view>

#include "tunepipe/gguf.hpp"

namespace tp::gguf {

struct GgmlTypeTraits {
  GgmlType type;
  std::string_view name;
  std::uint32_t block_size;  // elements per block
  std::uint32_t type_size;   // bytes per block
};

// The traits of a type id read from a file; nullptr for ids ggml does not define (or has removed).
const GgmlTypeTraits* find_ggml_type(std::uint32_t id);
const GgmlTypeTraits& ggml_type_traits(GgmlType type);

// "F32, F16, BF16, …": the types can_dequantize accepts, for messages.
std::string dequantizable_type_names();

}  // namespace tp::gguf
