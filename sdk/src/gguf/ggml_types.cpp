#include "gguf/ggml_types.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <stdexcept>

namespace tp::gguf {

namespace {

constexpr std::uint32_t kSuperBlock = 256;  // QK_K: the elements of one k-quant (and i-quant) block

// As GGML_QUANT_SIZES of gguf-python's constants.py (ggml's type_traits).
constexpr std::array<GgmlTypeTraits, 34> kTypes{{
    {GgmlType::F32, "F32", 1, 4},
    {GgmlType::F16, "F16", 1, 2},
    {GgmlType::Q4_0, "Q4_0", 32, 2 + 16},
    {GgmlType::Q4_1, "Q4_1", 32, 2 + 2 + 16},
    {GgmlType::Q5_0, "Q5_0", 32, 2 + 4 + 16},
    {GgmlType::Q5_1, "Q5_1", 32, 2 + 2 + 4 + 16},
    {GgmlType::Q8_0, "Q8_0", 32, 2 + 32},
    {GgmlType::Q8_1, "Q8_1", 32, 4 + 4 + 32},
    {GgmlType::Q2_K, "Q2_K", kSuperBlock, 2 + 2 + kSuperBlock / 16 + kSuperBlock / 4},
    {GgmlType::Q3_K, "Q3_K", kSuperBlock, 2 + kSuperBlock / 4 + kSuperBlock / 8 + 12},
    {GgmlType::Q4_K, "Q4_K", kSuperBlock, 2 + 2 + kSuperBlock / 2 + 12},
    {GgmlType::Q5_K, "Q5_K", kSuperBlock, 2 + 2 + kSuperBlock / 2 + kSuperBlock / 8 + 12},
    {GgmlType::Q6_K, "Q6_K", kSuperBlock, 2 + kSuperBlock / 2 + kSuperBlock / 4 + kSuperBlock / 16},
    {GgmlType::Q8_K, "Q8_K", kSuperBlock, 4 + kSuperBlock + kSuperBlock / 8},
    {GgmlType::IQ2_XXS, "IQ2_XXS", kSuperBlock, 2 + kSuperBlock / 4},
    {GgmlType::IQ2_XS, "IQ2_XS", kSuperBlock, 2 + kSuperBlock / 4 + kSuperBlock / 32},
    {GgmlType::IQ3_XXS, "IQ3_XXS", kSuperBlock, 2 + kSuperBlock / 4 + kSuperBlock / 8},
    {GgmlType::IQ1_S, "IQ1_S", kSuperBlock, 2 + kSuperBlock / 8 + kSuperBlock / 16},
    {GgmlType::IQ4_NL, "IQ4_NL", 32, 2 + 16},
    {GgmlType::IQ3_S, "IQ3_S", kSuperBlock, 2 + kSuperBlock / 4 + kSuperBlock / 8 + kSuperBlock / 32 + 4},
    {GgmlType::IQ2_S, "IQ2_S", kSuperBlock, 2 + kSuperBlock / 4 + kSuperBlock / 16},
    {GgmlType::IQ4_XS, "IQ4_XS", kSuperBlock, 2 + 2 + kSuperBlock / 2 + kSuperBlock / 64},
    {GgmlType::I8, "I8", 1, 1},
    {GgmlType::I16, "I16", 1, 2},
    {GgmlType::I32, "I32", 1, 4},
    {GgmlType::I64, "I64", 1, 8},
    {GgmlType::F64, "F64", 1, 8},
    {GgmlType::IQ1_M, "IQ1_M", kSuperBlock, kSuperBlock / 8 + kSuperBlock / 16 + kSuperBlock / 32},
    {GgmlType::BF16, "BF16", 1, 2},
    {GgmlType::TQ1_0, "TQ1_0", kSuperBlock, 2 + 4 * 13},
    {GgmlType::TQ2_0, "TQ2_0", kSuperBlock, 2 + 64},
    {GgmlType::MXFP4, "MXFP4", 32, 1 + 16},
    {GgmlType::NVFP4, "NVFP4", 64, 4 + 32},
    {GgmlType::Q1_0, "Q1_0", 128, 2 + 16},
}};

constexpr std::array kDequantizable{GgmlType::F32,  GgmlType::F16,  GgmlType::BF16, GgmlType::Q4_0, GgmlType::Q4_1,
                                    GgmlType::Q5_0, GgmlType::Q5_1, GgmlType::Q8_0, GgmlType::Q2_K, GgmlType::Q3_K,
                                    GgmlType::Q4_K, GgmlType::Q5_K, GgmlType::Q6_K};

}  // namespace

const GgmlTypeTraits* find_ggml_type(std::uint32_t id) {
  const auto found = std::find_if(kTypes.begin(), kTypes.end(), [id](const GgmlTypeTraits& traits) {
    return static_cast<std::uint32_t>(traits.type) == id;
  });
  return found == kTypes.end() ? nullptr : &*found;
}

const GgmlTypeTraits& ggml_type_traits(GgmlType type) {
  const GgmlTypeTraits* traits = find_ggml_type(static_cast<std::uint32_t>(type));
  if (!traits) throw std::invalid_argument(fmt::format("no ggml type {}", static_cast<std::uint32_t>(type)));
  return *traits;
}

std::string_view ggml_type_name(GgmlType type) { return ggml_type_traits(type).name; }

bool can_dequantize(GgmlType type) {
  return std::find(kDequantizable.begin(), kDequantizable.end(), type) != kDequantizable.end();
}

std::string dequantizable_type_names() {
  std::string names;
  for (const GgmlType type : kDequantizable) names += (names.empty() ? "" : ", ") + std::string(ggml_type_name(type));
  return names;
}

}  // namespace tp::gguf
