#include "gguf/quantize_blocks.hpp"

#include <bit>
#include <cmath>
#include <cstring>

// Bit-exactness with numpy: gguf-python rounds every product to float32
// before it adds (`blocks * id + 8.5`). Each product here is a statement of its
// own, so that no compiler fuses it with the addition into an FMA (see
// dequantize.cpp), and the reductions keep numpy's rules: max and min are NaN
// when any value is, argmax takes the first NaN or else the first largest.

namespace tp::gguf {

namespace {

using Byte = std::uint8_t;

void store_u16(Byte* out, std::uint16_t value) {
  out[0] = static_cast<Byte>(value);
  out[1] = static_cast<Byte>(value >> 8);
}

void store_u32(Byte* out, std::uint32_t value) {
  for (int i = 0; i < 4; ++i) out[i] = static_cast<Byte>(value >> (8 * i));
}

void store_half(Byte* out, float value) { store_u16(out, float_to_half(value)); }

// numpy's float32 → uint8 (and int8) cast on x86-64: truncation to an integer
// (cvttss2si, giving INT_MIN for NaN and for what does not fit), then its low
// byte. Floats from 2^31 up are multiples of 256, so a 32- or 64-bit
// truncation leaves the same byte.
Byte numpy_to_byte(float value) {
  if (!(value >= -0x1p31f && value < 0x1p31f)) return 0;
  return static_cast<Byte>(static_cast<std::uint32_t>(static_cast<std::int32_t>(value)));
}

// numpy's np.trunc(x).astype(np.uint8).clip(0, max).
Byte truncated_level(float value, Byte max) {
  const Byte level = numpy_to_byte(std::trunc(value));
  return level > max ? max : level;
}

// The element of largest magnitude, with its sign (abs(blocks).argmax, then take_along_axis).
float signed_absmax(const float* in) {
  int index = 0;
  float best = std::fabs(in[0]);
  for (int i = 1; i < 32 && !std::isnan(best); ++i) {
    const float magnitude = std::fabs(in[i]);
    if (std::isnan(magnitude) || magnitude > best) {
      best = magnitude;
      index = i;
    }
  }
  return in[index];
}

struct Range {
  float min, max;
};

// blocks.min() and blocks.max(): NaN when any value is NaN; of equal values the last (which tells -0 from +0 in
// the float16 minimum and in the sign of d).
Range range_of(const float* in) {
  Range range{in[0], in[0]};
  for (int i = 1; i < 32; ++i) {
    if (std::isnan(in[i])) return {in[i], in[i]};
    if (in[i] <= range.min) range.min = in[i];
    if (in[i] >= range.max) range.max = in[i];
  }
  if (std::isnan(in[0])) return {in[0], in[0]};
  return range;
}

// np.where(d == 0, 0, 1 / d)
float inverse_or_zero(float d) { return d == 0.0f ? 0.0f : 1.0f / d; }

// Symmetric 32-element blocks (Q4_0, Q5_0): d = max / -half_levels, level = trunc(x / d + half_levels + 0.5).
// The divisor comes negative (-8, -16) so that the division is numpy's: `max / -8` written as `max / -h` may
// compile to `-(max / h)`, which gives a NaN the other sign.
void symmetric_levels(const float* in, float negative_half_levels, Byte max_level, float& d, Byte* levels) {
  d = signed_absmax(in) / negative_half_levels;
  const float id = inverse_or_zero(d);
  const float offset = 0.5f - negative_half_levels;
  for (int i = 0; i < 32; ++i) {
    const float scaled = in[i] * id;
    levels[i] = truncated_level(scaled + offset, max_level);
  }
}

// Blocks with a minimum (Q4_1, Q5_1): d = (max - min) / levels, level = trunc((x - min) / d + 0.5).
void offset_levels(const float* in, float level_count, Byte max_level, float& d, float& min, Byte* levels) {
  const Range range = range_of(in);
  min = range.min;
  d = (range.max - range.min) / level_count;
  const float id = inverse_or_zero(d);
  for (int i = 0; i < 32; ++i) {
    const float scaled = (in[i] - min) * id;
    levels[i] = truncated_level(scaled + 0.5f, max_level);
  }
}

// Element e < 16 in the low nibble of byte e, element e ≥ 16 in the high nibble of byte e - 16.
void pack_nibbles(const Byte* levels, Byte* out) {
  for (int i = 0; i < 16; ++i) out[i] = static_cast<Byte>((levels[i] & 0x0F) | levels[i + 16] << 4);
}

// Bit e: the fifth bit of element e (np.packbits(q >> 4, bitorder="little")).
std::uint32_t fifth_bits(const Byte* levels) {
  std::uint32_t bits = 0;
  for (int i = 0; i < 32; ++i) bits |= static_cast<std::uint32_t>((levels[i] >> 4) != 0) << i;
  return bits;
}

void q4_0(const float* in, Byte* out) {
  float d;
  Byte levels[32];
  symmetric_levels(in, -8.0f, 15, d, levels);
  store_half(out, d);
  pack_nibbles(levels, out + 2);
}

void q4_1(const float* in, Byte* out) {
  float d, min;
  Byte levels[32];
  offset_levels(in, 15.0f, 15, d, min, levels);
  store_half(out, d);
  store_half(out + 2, min);
  pack_nibbles(levels, out + 4);
}

void q5_0(const float* in, Byte* out) {
  float d;
  Byte levels[32];
  symmetric_levels(in, -16.0f, 31, d, levels);
  store_half(out, d);
  store_u32(out + 2, fifth_bits(levels));
  pack_nibbles(levels, out + 6);
}

void q5_1(const float* in, Byte* out) {
  float d, min;
  Byte levels[32];
  offset_levels(in, 31.0f, 31, d, min, levels);
  store_half(out, d);
  store_half(out + 2, min);
  store_u32(out + 4, fifth_bits(levels));
  pack_nibbles(levels, out + 8);
}

// np_roundf: round half away from zero, as ggml's roundf; NaN stays NaN.
float round_half_away(float value) {
  const float magnitude = std::fabs(value);
  const float floored = std::floor(magnitude);
  const float rounded = floored + std::floor(2.0f * (magnitude - floored));
  if (std::isnan(value)) return value;
  const float sign = value > 0.0f ? 1.0f : value < 0.0f ? -1.0f : 0.0f;
  return sign * rounded;
}

void q8_0(const float* in, Byte* out) {
  float amax = std::fabs(in[0]);
  for (int i = 1; i < 32 && !std::isnan(amax); ++i) {
    const float magnitude = std::fabs(in[i]);
    if (std::isnan(magnitude) || magnitude > amax) amax = magnitude;
  }
  const float d = amax / 127.0f;
  const float id = inverse_or_zero(d);
  store_half(out, d);
  for (int i = 0; i < 32; ++i) {
    const float scaled = in[i] * id;
    out[2 + i] = numpy_to_byte(round_half_away(scaled));
  }
}

void f32(const float* in, Byte* out) { std::memcpy(out, in, sizeof(float)); }
void f16(const float* in, Byte* out) { store_half(out, *in); }
void bf16(const float* in, Byte* out) { store_u16(out, float_to_bf16(*in)); }

}  // namespace

std::uint16_t float_to_half(float value) {
  const std::uint32_t bits = std::bit_cast<std::uint32_t>(value);
  const auto sign = static_cast<std::uint16_t>((bits >> 16) & 0x8000u);
  const std::uint32_t magnitude = bits & 0x7FFFFFFFu;
  if (magnitude > 0x7F800000u) {  // NaN: the top ten payload bits, at least one of them set
    const auto payload = static_cast<std::uint16_t>((magnitude >> 13) & 0x3FFu);
    return static_cast<std::uint16_t>(sign | 0x7C00u | (payload != 0 ? payload : 1u));
  }
  if (magnitude >= 0x477FF000u) return static_cast<std::uint16_t>(sign | 0x7C00u);  // 65520 and up round to infinity
  if (magnitude >= 0x38800000u) {  // a normal half: rebias the exponent, round the 13 bits dropped to nearest even
    std::uint32_t half = (magnitude - 0x38000000u) >> 13;
    const std::uint32_t dropped = magnitude & 0x1FFFu;
    if (dropped > 0x1000u || (dropped == 0x1000u && (half & 1u) != 0)) ++half;  // a carry moves into the exponent
    return static_cast<std::uint16_t>(sign | half);
  }
  // A subnormal half (or zero, or the smallest normal after rounding): a multiple of 2^-24, found exactly by
  // scaling by 2^24 and rounding to the nearest even integer.
  const float units = std::rint(std::bit_cast<float>(magnitude) * 0x1p24f);
  return static_cast<std::uint16_t>(sign | static_cast<std::uint16_t>(units));
}

std::uint16_t float_to_bf16(float value) {
  std::uint32_t bits = std::bit_cast<std::uint32_t>(value);
  if ((bits & 0x7FFFFFFFu) > 0x7F800000u) bits = (bits & 0xFFFF0000u) | 0x00400000u;  // force a NaN quiet
  const std::uint64_t rounded = static_cast<std::uint64_t>(bits) + 0x7FFFu + ((bits >> 16) & 1u);
  return static_cast<std::uint16_t>(rounded >> 16);
}

BlockEncoder block_encoder(GgmlType type) {
  switch (type) {
    case GgmlType::F32: return f32;
    case GgmlType::F16: return f16;
    case GgmlType::BF16: return bf16;
    case GgmlType::Q4_0: return q4_0;
    case GgmlType::Q4_1: return q4_1;
    case GgmlType::Q5_0: return q5_0;
    case GgmlType::Q5_1: return q5_1;
    case GgmlType::Q8_0: return q8_0;
    default: return nullptr;
  }
}

}  // namespace tp::gguf
