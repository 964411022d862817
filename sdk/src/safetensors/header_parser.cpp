#include "safetensors/header_parser.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>

#include "common/checked_math.hpp"
#include "common/utf8.hpp"
#include "safetensors/data_layout.hpp"
#include "safetensors/dtype_table.hpp"
#include "safetensors/file_error.hpp"
#include "safetensors/strict_json.hpp"

namespace tp::safetensors {

namespace {

using nlohmann::json;

std::uint64_t read_le64(const std::byte* bytes) {
  std::uint64_t value = 0;
  for (int i = 7; i >= 0; --i) value = (value << 8) | static_cast<std::uint8_t>(bytes[i]);
  return value;
}

std::map<std::string, std::string> parse_metadata(const json& value, const std::filesystem::path& path) {
  if (!value.is_object())
    fail(path, fmt::format("\"__metadata__\" must be an object of strings, not {}", value.type_name()));
  std::map<std::string, std::string> metadata;
  for (const auto& [key, entry] : value.items()) {
    if (!entry.is_string())
      fail(path, fmt::format("\"__metadata__\" value \"{}\" must be a string, not {}", key, entry.type_name()));
    metadata.emplace(key, entry.get<std::string>());
  }
  return metadata;
}

const json& field(const json& entry, const char* key, const std::string& tensor, const std::filesystem::path& path) {
  const auto found = entry.find(key);
  if (found == entry.end()) fail(path, fmt::format("tensor \"{}\": \"{}\" is missing", tensor, key));
  return *found;
}

std::vector<std::int64_t> parse_shape(const json& value, const std::string& tensor, const std::filesystem::path& path) {
  if (!value.is_array()) fail(path, fmt::format("tensor \"{}\": shape must be an array of sizes, got {}", tensor, value.dump()));
  std::vector<std::int64_t> shape;
  for (const json& dim : value) {
    if (dim.is_number_integer() && !dim.is_number_unsigned())  // nlohmann keeps only negative integers signed
      fail(path, fmt::format("tensor \"{}\": shape {} has a negative size", tensor, value.dump()));
    if (!dim.is_number_unsigned())
      fail(path, fmt::format("tensor \"{}\": shape {} holds {}, not a size", tensor, value.dump(), dim.dump()));
    const std::uint64_t size = dim.get<std::uint64_t>();
    if (size > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
      fail(path, fmt::format("tensor \"{}\": shape {} has a size too large for a tensor", tensor, value.dump()));
    shape.push_back(static_cast<std::int64_t>(size));
  }
  return shape;
}

void parse_offsets(const json& value, TensorInfo& info, const std::filesystem::path& path) {
  const bool two_offsets = value.is_array() && value.size() == 2 && value[0].is_number_unsigned() &&
                           value[1].is_number_unsigned() && value[0].get<std::uint64_t>() <= value[1].get<std::uint64_t>();
  if (!two_offsets)
    fail(path, fmt::format("tensor \"{}\": data_offsets must be two non-decreasing byte offsets [begin, end], got {}",
                           info.name, value.dump()));
  info.begin = value[0].get<std::uint64_t>();
  info.end = value[1].get<std::uint64_t>();
}

// Bytes the tensor needs, or nullopt when the count overflows 64 bits.
std::optional<std::uint64_t> byte_size(const std::vector<std::int64_t>& shape, unsigned bits, bool& partial_byte) {
  partial_byte = false;
  if (std::find(shape.begin(), shape.end(), 0) != shape.end()) return 0;
  std::optional<std::uint64_t> total = bits;
  for (const std::int64_t dim : shape)
    if (total) total = checked_mul(*total, static_cast<std::uint64_t>(dim));
  if (!total) return std::nullopt;
  partial_byte = *total % 8 != 0;
  return *total / 8;
}

std::string shape_text(const std::vector<std::int64_t>& shape) { return fmt::format("[{}]", fmt::join(shape, ",")); }

TensorInfo parse_tensor(const std::string& name, const json& entry, std::uint64_t data_size,
                        const std::filesystem::path& path) {
  if (!entry.is_object())
    fail(path, fmt::format("tensor \"{}\": its entry must be an object with dtype, shape and data_offsets, got {}",
                           name, entry.dump()));
  TensorInfo info;
  info.name = name;
  const json& dtype_value = field(entry, "dtype", name, path);
  if (!dtype_value.is_string())
    fail(path, fmt::format("tensor \"{}\": dtype must be a string, got {}", name, dtype_value.dump()));
  info.dtype = dtype_value.get<std::string>();
  const Dtype* dtype = dtype_named(info.dtype);
  if (!dtype)
    fail(path, fmt::format("tensor \"{}\": unknown dtype \"{}\" (the format has {})", name, info.dtype,
                           known_dtype_names()));
  info.shape = parse_shape(field(entry, "shape", name, path), name, path);
  parse_offsets(field(entry, "data_offsets", name, path), info, path);

  bool partial_byte = false;
  const std::optional<std::uint64_t> needed = byte_size(info.shape, dtype->bits, partial_byte);
  if (!needed)
    fail(path, fmt::format("tensor \"{}\": shape {} of {} is too large (its byte size overflows 64 bits)", name,
                           shape_text(info.shape), info.dtype));
  if (partial_byte)
    fail(path, fmt::format("tensor \"{}\": shape {} of {} does not end on a byte boundary", name,
                           shape_text(info.shape), info.dtype));
  if (info.end > data_size)
    fail(path, fmt::format("tensor \"{}\": data_offsets [{},{}] go past the end of the data area ({} bytes)", name,
                           info.begin, info.end, data_size));
  if (info.end - info.begin != *needed)
    fail(path, fmt::format("tensor \"{}\": shape {} of {} needs {} bytes but data_offsets [{},{}] hold {}", name,
                           shape_text(info.shape), info.dtype, *needed, info.begin, info.end, info.end - info.begin));
  return info;
}

}  // namespace

Header parse_header(std::span<const std::byte> file_bytes, const std::filesystem::path& path) {
  if (file_bytes.size() < 8)
    fail(path, fmt::format("the file is {} bytes long, too short for the 8-byte header length a safetensors file "
                           "starts with",
                           file_bytes.size()));
  const std::uint64_t header_size = read_le64(file_bytes.data());
  if (header_size > kMaxHeaderBytes)
    fail(path, fmt::format("header length {} is over the {}-byte limit (is this a safetensors file?)", header_size,
                           kMaxHeaderBytes));
  if (header_size > file_bytes.size() - 8)
    fail(path, fmt::format("header length {} runs past the end of the file ({} bytes): the file is truncated or "
                           "not a safetensors file",
                           header_size, file_bytes.size()));

  const std::string_view text(reinterpret_cast<const char*>(file_bytes.data() + 8), header_size);
  if (const auto bad = first_invalid_utf8(text))
    fail(path, fmt::format("the header is not valid UTF-8 (byte {} of the header)", *bad));
  const json root = parse_strict_json(text, path, "the header");
  if (!root.is_object()) fail(path, fmt::format("the header must be a JSON object, not {}", root.type_name()));

  Header header;
  header.data_start = 8 + header_size;
  const std::uint64_t data_size = file_bytes.size() - header.data_start;
  for (const auto& [key, value] : root.items()) {
    if (key == "__metadata__") header.metadata = parse_metadata(value, path);
    else header.tensors.push_back(parse_tensor(key, value, data_size, path));
  }
  check_data_layout(header.tensors, data_size, path);
  return header;
}

}  // namespace tp::safetensors
