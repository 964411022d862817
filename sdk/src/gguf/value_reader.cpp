#include "gguf/value_reader.hpp"

#include <fmt/format.h>

#include <optional>
#include <vector>

#include "common/checked_math.hpp"
#include "common/utf8.hpp"

namespace tp::gguf {

namespace {

constexpr std::uint32_t kLastValueType = static_cast<std::uint32_t>(ValueType::float64);

// The fewest bytes one element of the type takes in the file: what bounds an array's count.
std::uint64_t min_encoded_size(ValueType type) {
  switch (type) {
    case ValueType::uint8:
    case ValueType::int8:
    case ValueType::boolean: return 1;
    case ValueType::uint16:
    case ValueType::int16: return 2;
    case ValueType::uint32:
    case ValueType::int32:
    case ValueType::float32: return 4;
    case ValueType::uint64:
    case ValueType::int64:
    case ValueType::float64:
    case ValueType::string: return 8;  // the length
    case ValueType::array: return 4 + 8;  // the element type and the count
  }
  return 1;
}

Value read_array(ByteReader& reader, int depth) {
  const std::uint64_t start = reader.offset();
  const ValueType element_type = read_value_type(reader, "the element type of an array");
  if (element_type == ValueType::array && depth + 1 >= kMaxArrayDepth)
    reader.fail_at(start, fmt::format("arrays nest more than {} deep", kMaxArrayDepth));
  const std::uint64_t count = reader.read<std::uint64_t>("the length of an array");
  const std::uint64_t element_size = min_encoded_size(element_type);
  if (count > reader.remaining() / element_size) {
    const std::optional<std::uint64_t> needed = checked_mul(count, element_size);
    reader.fail_at(start, fmt::format("an array of {} {} values needs {}, but only {} are left in the file: the file "
                                      "is corrupt or truncated",
                                      count, value_type_name(element_type),
                                      needed ? fmt::format("at least {} bytes", *needed) : "more than 2^64 bytes",
                                      reader.remaining()));
  }
  std::vector<Value> elements;
  elements.reserve(count);
  for (std::uint64_t i = 0; i < count; ++i)
    elements.push_back(element_type == ValueType::array ? read_array(reader, depth + 1)
                                                        : read_value(reader, element_type));
  return Value::make_array(element_type, std::move(elements));
}

}  // namespace

std::string_view read_string(ByteReader& reader, std::string_view what) {
  const std::uint64_t start = reader.offset();
  const std::uint64_t length = reader.read<std::uint64_t>("the length of a string");
  if (length > reader.remaining())
    reader.fail_at(start, fmt::format("{} is {} bytes long, but only {} are left in the file: the file is corrupt or "
                                      "truncated",
                                      what, length, reader.remaining()));
  return reader.read_bytes(length, what);
}

std::string read_name(ByteReader& reader, std::string_view what) {
  const std::uint64_t start = reader.offset();
  const std::string_view name = read_string(reader, what);
  if (name.empty()) reader.fail_at(start, fmt::format("{} is empty", what));
  if (const auto bad = first_invalid_utf8(name))
    reader.fail_at(start, fmt::format("{} is not valid UTF-8 (byte {} of it)", what, *bad));
  return std::string(name);
}

ValueType read_value_type(ByteReader& reader, std::string_view what) {
  const std::uint64_t start = reader.offset();
  const std::uint32_t id = reader.read<std::uint32_t>(what);
  if (id > kLastValueType)
    reader.fail_at(start, fmt::format("unknown metadata value type {} ({}; GGUF defines 0 to {})", id, what,
                                      kLastValueType));
  return static_cast<ValueType>(id);
}

Value read_value(ByteReader& reader, ValueType type) {
  switch (type) {
    case ValueType::uint8: return Value::make_unsigned(type, reader.read<std::uint8_t>("a uint8 value"));
    case ValueType::uint16: return Value::make_unsigned(type, reader.read<std::uint16_t>("a uint16 value"));
    case ValueType::uint32: return Value::make_unsigned(type, reader.read<std::uint32_t>("a uint32 value"));
    case ValueType::uint64: return Value::make_unsigned(type, reader.read<std::uint64_t>("a uint64 value"));
    case ValueType::int8: return Value::make_signed(type, reader.read<std::int8_t>("an int8 value"));
    case ValueType::int16: return Value::make_signed(type, reader.read<std::int16_t>("an int16 value"));
    case ValueType::int32: return Value::make_signed(type, reader.read<std::int32_t>("an int32 value"));
    case ValueType::int64: return Value::make_signed(type, reader.read<std::int64_t>("an int64 value"));
    case ValueType::float32: return Value::make_float(type, reader.read<float>("a float32 value"));
    case ValueType::float64: return Value::make_float(type, reader.read<double>("a float64 value"));
    case ValueType::boolean: {
      const std::uint64_t start = reader.offset();
      const std::uint8_t byte = reader.read<std::uint8_t>("a bool value");
      if (byte > 1) reader.fail_at(start, fmt::format("a bool value holds the byte {}, not 0 or 1", byte));
      return Value::make_bool(byte == 1);
    }
    case ValueType::string: return Value::make_string(std::string(read_string(reader, "a string value")));
    case ValueType::array: return read_array(reader, 0);
  }
  reader.fail(fmt::format("unknown metadata value type {}", static_cast<std::uint32_t>(type)));
}

}  // namespace tp::gguf
