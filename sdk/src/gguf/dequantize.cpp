#include "gguf/dequantize.hpp"

#include <fmt/format.h>

#include <bit>
#include <cstdint>
#include <cstring>
#include <stdexcept>

#include "gguf/ggml_types.hpp"

// Bit-exactness with numpy: gguf-python rounds every product to float32
// before it adds or subtracts (`(d * q) + m`, `dl * q - ml`). Each product
// here is therefore a statement of its own: neither GCC in ISO C++ mode
// (-ffp-contract=off) nor clang (-ffp-contract=on: within one expression only)
// fuses it with the addition into an FMA, which would round once and differ
// in the last bit.

namespace tp::gguf {

namespace {

using Byte = std::uint8_t;

std::uint16_t load_u16(const Byte* bytes) { return static_cast<std::uint16_t>(bytes[0] | bytes[1] << 8); }

std::uint32_t load_u32(const Byte* bytes) {
  return static_cast<std::uint32_t>(bytes[0]) | static_cast<std::uint32_t>(bytes[1]) << 8 |
         static_cast<std::uint32_t>(bytes[2]) << 16 | static_cast<std::uint32_t>(bytes[3]) << 24;
}

// IEEE half to float, exact; a NaN keeps its payload (as numpy's conversion does).
float half_to_float(std::uint16_t half) {
  const std::uint32_t sign = static_cast<std::uint32_t>(half & 0x8000u) << 16;
  const std::uint32_t exponent = (half >> 10) & 0x1Fu;
  const std::uint32_t mantissa = half & 0x3FFu;
  if (exponent == 0) {  // zero or subnormal: mantissa × 2^-24, exact in float
    const float magnitude = static_cast<float>(mantissa) * 0x1p-24f;
    return sign ? -magnitude : magnitude;
  }
  const std::uint32_t float_exponent = exponent == 0x1F ? 0xFFu : exponent + (127 - 15);
  return std::bit_cast<float>(sign | float_exponent << 23 | mantissa << 13);
}

float load_half(const Byte* bytes) { return half_to_float(load_u16(bytes)); }

float bf16_to_float(std::uint16_t bits) { return std::bit_cast<float>(static_cast<std::uint32_t>(bits) << 16); }

// 32-element blocks: a float16 scale (and minimum), 4 low bits per element,
// and for the 5-bit types a 32-bit mask of fifth bits. Element e < 16 is the
// low nibble of byte e, element e ≥ 16 the high nibble of byte e - 16.
int low_nibble(const Byte* qs, int e) { return e < 16 ? qs[e] & 0x0F : qs[e - 16] >> 4; }

void q4_0(const Byte* block, float* out) {
  const float d = load_half(block);
  for (int e = 0; e < 32; ++e) out[e] = d * static_cast<float>(low_nibble(block + 2, e) - 8);
}

void q4_1(const Byte* block, float* out) {
  const float d = load_half(block), m = load_half(block + 2);
  for (int e = 0; e < 32; ++e) {
    const float scaled = d * static_cast<float>(low_nibble(block + 4, e));
    out[e] = scaled + m;
  }
}

void q5_0(const Byte* block, float* out) {
  const float d = load_half(block);
  const std::uint32_t high_bits = load_u32(block + 2);
  for (int e = 0; e < 32; ++e) {
    const int q = low_nibble(block + 6, e) | static_cast<int>((high_bits >> e) & 1u) << 4;
    out[e] = d * static_cast<float>(q - 16);
  }
}

void q5_1(const Byte* block, float* out) {
  const float d = load_half(block), m = load_half(block + 2);
  const std::uint32_t high_bits = load_u32(block + 4);
  for (int e = 0; e < 32; ++e) {
    const int q = low_nibble(block + 8, e) | static_cast<int>((high_bits >> e) & 1u) << 4;
    const float scaled = d * static_cast<float>(q);
    out[e] = scaled + m;
  }
}

void q8_0(const Byte* block, float* out) {
  const float d = load_half(block);
  for (int e = 0; e < 32; ++e) out[e] = static_cast<float>(static_cast<std::int8_t>(block[2 + e])) * d;
}

// 256-element super-blocks. Several types spread an element's bits over
// planes: in the 2-bit plane of 64 bytes, element e is bits 2k..2k+1 of byte
// 32c + i (c = e / 128, k = e % 128 / 32, i = e % 32).
int two_bits(const Byte* plane, int e) { return (plane[32 * (e / 128) + e % 32] >> (2 * (e % 128 / 32))) & 3; }

void q2_k(const Byte* block, float* out) {
  const Byte* scales = block;  // 16 sub-blocks of 16: scale in the low nibble, minimum in the high one
  const Byte* qs = block + 16;
  const float d = load_half(block + 80), dmin = load_half(block + 82);
  for (int sub = 0; sub < 16; ++sub) {
    const float dl = d * static_cast<float>(scales[sub] & 0x0F);
    const float ml = dmin * static_cast<float>(scales[sub] >> 4);
    for (int e = 16 * sub; e < 16 * sub + 16; ++e) {
      const float scaled = dl * static_cast<float>(two_bits(qs, e));
      out[e] = scaled - ml;
    }
  }
}

void q3_k(const Byte* block, float* out) {
  const Byte* high_mask = block;  // bit e / 32 of byte e % 32: set when the element is not offset by -4
  const Byte* qs = block + 32;
  const Byte* scales = block + 96;  // 16 six-bit scales: low nibbles in bytes 0–7, high pairs in bytes 8–11
  const float d = load_half(block + 108);
  for (int sub = 0; sub < 16; ++sub) {
    const int low = sub < 8 ? scales[sub] & 0x0F : scales[sub - 8] >> 4;
    const int high = (scales[8 + sub % 4] >> (2 * (sub / 4))) & 3;
    const float dl = d * static_cast<float>((low | high << 4) - 32);
    for (int e = 16 * sub; e < 16 * sub + 16; ++e) {
      const int offset = (high_mask[e % 32] >> (e / 32)) & 1 ? 0 : 4;
      out[e] = dl * static_cast<float>(two_bits(qs, e) - offset);
    }
  }
}

// Q4_K and Q5_K: 8 sub-blocks of 32, each with a 6-bit scale and minimum
// packed into 12 bytes; 4 low bits per element in 128 bytes, where sub-block
// s takes the low (s even) or high (s odd) nibbles of bytes 32·(s/2) … +31.
struct ScaleMin {
  int scale, min;
};

ScaleMin k_scale_min(const Byte* packed, int sub) {
  if (sub < 4) return {packed[sub] & 0x3F, packed[sub + 4] & 0x3F};
  return {(packed[sub + 4] & 0x0F) | ((packed[sub - 4] >> 2) & 0x30),
          (packed[sub + 4] >> 4) | ((packed[sub] >> 2) & 0x30)};
}

int k_low_nibble(const Byte* qs, int sub, int i) { return (qs[32 * (sub / 2) + i] >> (4 * (sub % 2))) & 0x0F; }

void q4_k(const Byte* block, float* out) {
  const float d = load_half(block), dmin = load_half(block + 2);
  const Byte* scales = block + 4;
  const Byte* qs = block + 16;
  for (int sub = 0; sub < 8; ++sub) {
    const ScaleMin packed = k_scale_min(scales, sub);
    const float dl = d * static_cast<float>(packed.scale);
    const float ml = dmin * static_cast<float>(packed.min);
    for (int i = 0; i < 32; ++i) {
      const float scaled = dl * static_cast<float>(k_low_nibble(qs, sub, i));
      out[32 * sub + i] = scaled - ml;
    }
  }
}

void q5_k(const Byte* block, float* out) {
  const float d = load_half(block), dmin = load_half(block + 2);
  const Byte* scales = block + 4;
  const Byte* high_bits = block + 16;  // bit s of byte i: the fifth bit of element i of sub-block s
  const Byte* qs = block + 48;
  for (int sub = 0; sub < 8; ++sub) {
    const ScaleMin packed = k_scale_min(scales, sub);
    const float dl = d * static_cast<float>(packed.scale);
    const float ml = dmin * static_cast<float>(packed.min);
    for (int i = 0; i < 32; ++i) {
      const int q = k_low_nibble(qs, sub, i) | ((high_bits[i] >> sub) & 1) << 4;
      const float scaled = dl * static_cast<float>(q);
      out[32 * sub + i] = scaled - ml;
    }
  }
}

void q6_k(const Byte* block, float* out) {
  // Element e = 128c + 64n + i (i < 64) takes the nibble n of byte 64c + i
  // from the 128-byte plane, and its two high bits from the 2-bit plane.
  const Byte* low = block;
  const Byte* high = block + 128;
  const Byte* scales = block + 192;  // int8, one per 16 elements
  const float d = load_half(block + 208);
  for (int sub = 0; sub < 16; ++sub) {
    const float dl = d * static_cast<float>(static_cast<std::int8_t>(scales[sub]));
    for (int e = 16 * sub; e < 16 * sub + 16; ++e) {
      const int nibble = (low[64 * (e / 128) + e % 64] >> (4 * (e % 128 / 64))) & 0x0F;
      const int q = (nibble | two_bits(high, e) << 4) - 32;
      out[e] = dl * static_cast<float>(q);
    }
  }
}

void f32(const Byte* block, float* out) { std::memcpy(out, block, sizeof(float)); }
void f16(const Byte* block, float* out) { *out = load_half(block); }
void bf16(const Byte* block, float* out) { *out = bf16_to_float(load_u16(block)); }

using BlockDecoder = void (*)(const Byte* block, float* out);

BlockDecoder decoder_of(GgmlType type) {
  switch (type) {
    case GgmlType::F32: return f32;
    case GgmlType::F16: return f16;
    case GgmlType::BF16: return bf16;
    case GgmlType::Q4_0: return q4_0;
    case GgmlType::Q4_1: return q4_1;
    case GgmlType::Q5_0: return q5_0;
    case GgmlType::Q5_1: return q5_1;
    case GgmlType::Q8_0: return q8_0;
    case GgmlType::Q2_K: return q2_k;
    case GgmlType::Q3_K: return q3_k;
    case GgmlType::Q4_K: return q4_k;
    case GgmlType::Q5_K: return q5_k;
    case GgmlType::Q6_K: return q6_k;
    default: return nullptr;
  }
}

}  // namespace

void dequantize_blocks(GgmlType type, std::span<const std::byte> blocks, std::span<float> out) {
  const GgmlTypeTraits& traits = ggml_type_traits(type);
  const BlockDecoder decode = decoder_of(type);
  if (!decode) throw std::invalid_argument(fmt::format("cannot dequantize {}", traits.name));
  const std::size_t block_count = out.size() / traits.block_size;
  if (out.size() % traits.block_size != 0 || blocks.size() / traits.type_size != block_count ||
      blocks.size() % traits.type_size != 0)
    throw std::invalid_argument(fmt::format("dequantize_blocks: {} bytes of {} blocks for {} floats", blocks.size(),
                                            traits.name, out.size()));
  const auto* bytes = reinterpret_cast<const Byte*>(blocks.data());
  for (std::size_t b = 0; b < block_count; ++b)
    decode(bytes + b * traits.type_size, out.data() + b * traits.block_size);
}

}  // namespace tp::gguf
