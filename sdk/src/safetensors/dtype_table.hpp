#pragma once
// The element types the safetensors format names, their sizes in bits and the
// libtorch type each maps to (none for the sub-byte formats libtorch lacks).
#include <c10/core/ScalarType.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace tp::safetensors {

struct Dtype {
  std::string_view name;                 // as the format spells it: "F32", "BF16", …
  unsigned bits;                         // per element
  std::optional<at::ScalarType> torch;   // nullopt: valid in a file, not loadable
};

const Dtype* dtype_named(std::string_view name);
// Position in the format's own list (the reference implementation's enum
// order); writers lay tensors out from the highest rank down.
std::size_t dtype_rank(const Dtype& dtype);
const Dtype* dtype_of(at::ScalarType type);
// "BOOL, U8, I8, …" for messages.
std::string known_dtype_names();

}  // namespace tp::safetensors
