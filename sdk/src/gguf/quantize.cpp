#include <ATen/Parallel.h>
#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "gguf/ggml_types.hpp"
#include "gguf/quantize_blocks.hpp"
#include "tunepipe/error.hpp"
#include "tunepipe/gguf_writer.hpp"

namespace tp::gguf {

namespace {

constexpr std::array kQuantizable{GgmlType::F32,  GgmlType::F16,  GgmlType::BF16, GgmlType::Q8_0,
                                  GgmlType::Q4_0, GgmlType::Q4_1, GgmlType::Q5_0, GgmlType::Q5_1};

// Values encoded per task: enough work (64 KiB of input) to be worth a thread.
constexpr std::int64_t kValuesPerTask = 16384;

std::string quantizable_type_names() {
  std::string names;
  for (const GgmlType type : kQuantizable) names += (names.empty() ? "" : ", ") + std::string(ggml_type_name(type));
  return names;
}

}  // namespace

bool can_quantize(GgmlType type) {
  return std::find(kQuantizable.begin(), kQuantizable.end(), type) != kQuantizable.end();
}

std::vector<std::byte> quantize(GgmlType type, std::span<const float> values, std::int64_t row_length) {
  const GgmlTypeTraits* traits = find_ggml_type(static_cast<std::uint32_t>(type));
  if (!traits || !can_quantize(type))
    throw Error(fmt::format("cannot quantize to {}: the types that can be written are {}",
                            traits ? std::string(traits->name) : fmt::format("ggml type {}", static_cast<int>(type)),
                            quantizable_type_names()));
  if (row_length <= 0 || row_length % traits->block_size != 0)
    throw Error(fmt::format("cannot quantize rows of {} values to {}: its blocks hold {} values, and a row must be "
                            "a whole number of blocks",
                            row_length, traits->name, traits->block_size));
  if (values.size() % static_cast<std::uint64_t>(row_length) != 0)
    throw Error(fmt::format("cannot quantize {} values to {}: not a whole number of rows of {}", values.size(),
                            traits->name, row_length));
  const auto block_count = static_cast<std::int64_t>(values.size() / traits->block_size);
  std::vector<std::byte> out(static_cast<std::size_t>(block_count) * traits->type_size);
  const BlockEncoder encode = block_encoder(type);
  auto* bytes = reinterpret_cast<std::uint8_t*>(out.data());
  at::parallel_for(0, block_count, kValuesPerTask / traits->block_size, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t b = begin; b < end; ++b)
      encode(values.data() + b * traits->block_size, bytes + b * traits->type_size);
  });
  return out;
}

}  // namespace tp::gguf
