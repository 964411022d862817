#include "gguf/tensor_info_reader.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <limits>
#include <optional>

#include "common/checked_math.hpp"
#include "gguf/ggml_types.hpp"
#include "gguf/value_reader.hpp"

namespace tp::gguf {

namespace {

constexpr std::uint64_t kMaxCount = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());

std::string dims_text(const std::vector<std::int64_t>& dims) { return fmt::format("[{}]", fmt::join(dims, ", ")); }

void read_dims(ByteReader& reader, TensorInfo& info) {
  const std::uint64_t start = reader.offset();
  const std::uint32_t rank = reader.read<std::uint32_t>("the number of dimensions");
  if (rank > kMaxDims)
    reader.fail_at(start, fmt::format("{} dimensions, but ggml tensors have at most {}", rank, kMaxDims));
  for (std::uint32_t i = 0; i < rank; ++i) {
    const std::uint64_t at = reader.offset();
    const std::uint64_t dim = reader.read<std::uint64_t>("a dimension");
    if (dim == 0) reader.fail_at(at, fmt::format("dimension {} is 0: GGUF tensors have no empty dimensions", i));
    if (dim > kMaxCount)
      reader.fail_at(at, fmt::format("dimension {} is {}, more than a tensor can hold (2^63 - 1)", i, dim));
    info.dims.push_back(static_cast<std::int64_t>(dim));
  }
  info.shape.assign(info.dims.rbegin(), info.dims.rend());
}

const GgmlTypeTraits& read_type(ByteReader& reader) {
  const std::uint64_t start = reader.offset();
  const std::uint32_t id = reader.read<std::uint32_t>("the ggml type");
  const GgmlTypeTraits* traits = find_ggml_type(id);
  if (!traits)
    reader.fail_at(start, fmt::format("unknown ggml type {}: the file is corrupt, or uses a type this reader does "
                                      "not know (or one ggml has removed)",
                                      id));
  return *traits;
}

void compute_sizes(ByteReader& reader, std::uint64_t dims_at, TensorInfo& info, const GgmlTypeTraits& type) {
  std::optional<std::uint64_t> count = 1;
  for (const std::int64_t dim : info.dims)
    if (count) count = checked_mul(*count, static_cast<std::uint64_t>(dim));
  if (!count || *count > kMaxCount)
    reader.fail_at(dims_at, fmt::format("dims {} hold more than 2^63 - 1 elements", dims_text(info.dims)));
  const std::uint64_t row = info.dims.empty() ? 1 : static_cast<std::uint64_t>(info.dims[0]);
  if (row % type.block_size != 0)
    reader.fail_at(dims_at, fmt::format("dims {}: the row length {} (dims[0]) is not a multiple of the {} block size "
                                        "{}",
                                        dims_text(info.dims), row, type.name, type.block_size));
  const std::optional<std::uint64_t> bytes = checked_mul(*count / type.block_size, type.type_size);
  if (!bytes)
    reader.fail_at(dims_at, fmt::format("dims {} of {} take more than 2^64 bytes", dims_text(info.dims), type.name));
  info.element_count = *count;
  info.byte_size = *bytes;
}

}  // namespace

TensorInfo read_tensor_info(ByteReader& reader) {
  TensorInfo info;
  info.name = read_name(reader, "the tensor name");
  reader.set_context(fmt::format("tensor \"{}\"", info.name));
  const std::uint64_t dims_at = reader.offset();
  read_dims(reader, info);
  const GgmlTypeTraits& type = read_type(reader);
  info.type = type.type;
  compute_sizes(reader, dims_at, info, type);
  info.offset = reader.read<std::uint64_t>("the data offset");
  return info;
}

}  // namespace tp::gguf
