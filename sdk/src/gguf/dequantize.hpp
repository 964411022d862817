#pragma once
// Decodes ggml blocks into float32, value for value as gguf-python's
// gguf.quants.dequantize does (block layouts: GGML_QUANT_SIZES and the
// dequantize_blocks methods of gguf/quants.py).
#include <cstddef>
#include <span>

#include "tunepipe/gguf.hpp"

namespace tp::gguf {

// `out` holds a whole number of blocks of `type` and `blocks` exactly their
// bytes; throws std::invalid_argument otherwise, or when can_dequantize(type)
// is false (File::dequantize checks both first and reports a tp::Error).
void dequantize_blocks(GgmlType type, std::span<const std::byte> blocks, std::span<float> out);

}  // namespace tp::gguf
