#include "safetensors/dtype_table.hpp"

#include <array>

namespace tp::safetensors {

namespace {

// Every dtype of the format (the reference implementation's list), in its order.
constexpr std::array kDtypes = {
    Dtype{"BOOL", 8, at::ScalarType::Bool},
    Dtype{"F4", 4, std::nullopt},
    Dtype{"F6_E2M3", 6, std::nullopt},
    Dtype{"F6_E3M2", 6, std::nullopt},
    Dtype{"U8", 8, at::ScalarType::Byte},
    Dtype{"I8", 8, at::ScalarType::Char},
    Dtype{"F8_E5M2", 8, at::ScalarType::Float8_e5m2},
    Dtype{"F8_E4M3", 8, at::ScalarType::Float8_e4m3fn},
    Dtype{"F8_E8M0", 8, at::ScalarType::Float8_e8m0fnu},
    Dtype{"F8_E4M3FNUZ", 8, at::ScalarType::Float8_e4m3fnuz},
    Dtype{"F8_E5M2FNUZ", 8, at::ScalarType::Float8_e5m2fnuz},
    Dtype{"I16", 16, at::ScalarType::Short},
    Dtype{"U16", 16, at::ScalarType::UInt16},
    Dtype{"F16", 16, at::ScalarType::Half},
    Dtype{"BF16", 16, at::ScalarType::BFloat16},
    Dtype{"I32", 32, at::ScalarType::Int},
    Dtype{"U32", 32, at::ScalarType::UInt32},
    Dtype{"F32", 32, at::ScalarType::Float},
    Dtype{"C64", 64, at::ScalarType::ComplexFloat},
    Dtype{"F64", 64, at::ScalarType::Double},
    Dtype{"I64", 64, at::ScalarType::Long},
    Dtype{"U64", 64, at::ScalarType::UInt64},
};

}  // namespace

const Dtype* dtype_named(std::string_view name) {
  for (const Dtype& dtype : kDtypes)
    if (dtype.name == name) return &dtype;
  return nullptr;
}

std::size_t dtype_rank(const Dtype& dtype) { return static_cast<std::size_t>(&dtype - kDtypes.data()); }

const Dtype* dtype_of(at::ScalarType type) {
  for (const Dtype& dtype : kDtypes)
    if (dtype.torch == type) return &dtype;
  return nullptr;
}

std::string known_dtype_names() {
  std::string names;
  for (const Dtype& dtype : kDtypes) {
    if (!names.empty()) names += ", ";
    names += dtype.name;
  }
  return names;
}

}  // namespace tp::safetensors
