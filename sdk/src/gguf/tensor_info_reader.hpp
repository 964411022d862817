#pragma once
// Reads one tensor info of a GGUF header (name, dims, ggml type, offset) and
// works out its element count and byte size, refusing what ggml cannot hold:
// more than 4 dims, a dim of 0 or above INT64_MAX, an unknown type, a row that
// is not a whole number of blocks, a count or size that overflows.
#include "gguf/byte_reader.hpp"
#include "tunepipe/gguf.hpp"

namespace tp::gguf {

inline constexpr std::uint32_t kMaxDims = 4;  // GGML_MAX_DIMS

TensorInfo read_tensor_info(ByteReader& reader);

}  // namespace tp::gguf
