#include "gguf/writer_encoding.hpp"

#include <fmt/format.h>

#include <limits>

#include "gguf/value_reader.hpp"
#include "tunepipe/error.hpp"

namespace tp::gguf {

namespace {

// Value holds every integer widened to 64 bits; the file holds it in its type's width.
template <class T>
void put_integer(ByteSink& sink, const Value& value, std::string_view key) {
  if constexpr (std::is_signed_v<T>) {
    const std::int64_t number = value.as_signed();
    if (number < std::numeric_limits<T>::min() || number > std::numeric_limits<T>::max())
      throw Error(fmt::format("metadata key \"{}\": the {} value {} is out of its range [{}, {}]", key,
                              value_type_name(value.type()), number, std::numeric_limits<T>::min(),
                              std::numeric_limits<T>::max()));
    sink.put(static_cast<T>(number));
  } else {
    const std::uint64_t number = value.as_unsigned();
    if (number > std::numeric_limits<T>::max())
      throw Error(fmt::format("metadata key \"{}\": the {} value {} is out of its range [0, {}]", key,
                              value_type_name(value.type()), number, std::numeric_limits<T>::max()));
    sink.put(static_cast<T>(number));
  }
}

// `depth` counts the arrays around `value`, as the reader counts them.
void put_value(ByteSink& sink, const Value& value, std::string_view key, int depth) {
  switch (value.type()) {
    case ValueType::uint8: return put_integer<std::uint8_t>(sink, value, key);
    case ValueType::uint16: return put_integer<std::uint16_t>(sink, value, key);
    case ValueType::uint32: return put_integer<std::uint32_t>(sink, value, key);
    case ValueType::uint64: return put_integer<std::uint64_t>(sink, value, key);
    case ValueType::int8: return put_integer<std::int8_t>(sink, value, key);
    case ValueType::int16: return put_integer<std::int16_t>(sink, value, key);
    case ValueType::int32: return put_integer<std::int32_t>(sink, value, key);
    case ValueType::int64: return put_integer<std::int64_t>(sink, value, key);
    case ValueType::float32: return sink.put(static_cast<float>(value.as_float()));
    case ValueType::float64: return sink.put(value.as_float());
    case ValueType::boolean: return sink.put(static_cast<std::uint8_t>(value.as_bool() ? 1 : 0));
    case ValueType::string: return sink.put_string(value.as_string());
    case ValueType::array: {
      // Nested arrays carry their element type and count but no value type of their own (the array's says it).
      if (value.element_type() == ValueType::array && depth + 1 >= kMaxArrayDepth)
        throw Error(fmt::format("metadata key \"{}\": arrays nest more than {} deep, more than GGUF readers accept",
                                key, kMaxArrayDepth));
      sink.put(static_cast<std::uint32_t>(value.element_type()));
      sink.put(static_cast<std::uint64_t>(value.elements().size()));
      for (const Value& element : value.elements()) put_value(sink, element, key, depth + 1);
      return;
    }
  }
  throw Error(fmt::format("metadata key \"{}\": unknown value type {}", key, static_cast<std::uint32_t>(value.type())));
}

}  // namespace

void ByteSink::put_bytes(const void* data, std::size_t size) {
  const auto* first = static_cast<const std::byte*>(data);
  bytes_.insert(bytes_.end(), first, first + size);
}

void ByteSink::put_string(std::string_view text) {
  put(static_cast<std::uint64_t>(text.size()));
  put_bytes(text.data(), text.size());
}

void put_metadata_entry(ByteSink& sink, std::string_view key, const Value& value) {
  sink.put_string(key);
  sink.put(static_cast<std::uint32_t>(value.type()));
  put_value(sink, value, key, 0);
}

}  // namespace tp::gguf
