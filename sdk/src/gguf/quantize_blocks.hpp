#pragma once
// Encodes float32 values into ggml blocks, value for value as gguf-python's
// gguf.quants.quantize does (the quantize_blocks methods of gguf/quants.py,
// numpy's float32 arithmetic and its float16 conversion).
#include <cstdint>

#include "tunepipe/gguf.hpp"

namespace tp::gguf {

// IEEE float to half, rounding to nearest even; a NaN stays a NaN, keeping the
// top bits of its payload (numpy's npy_floatbits_to_halfbits).
std::uint16_t float_to_half(float value);
// float to bfloat16 as ggml_compute_fp32_to_bf16 (and gguf-python): a NaN is
// quieted, everything else rounds to nearest even.
std::uint16_t float_to_bf16(float value);

// Encodes one block: block_size values from `in` into type_size bytes at `out`.
using BlockEncoder = void (*)(const float* in, std::uint8_t* out);

// nullptr when the type has no encoder.
BlockEncoder block_encoder(GgmlType type);

}  // namespace tp::gguf
