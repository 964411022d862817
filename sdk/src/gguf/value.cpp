#include <fmt/format.h>

#include <stdexcept>

#include "gguf/value_kinds.hpp"
#include "tunepipe/gguf.hpp"

namespace tp::gguf {

namespace {

void require(bool matches, std::string_view factory, ValueType type) {
  if (!matches)
    throw std::invalid_argument(fmt::format("gguf::Value::{} cannot make a {} value", factory, value_type_name(type)));
}

}  // namespace

std::string_view value_type_name(ValueType type) {
  switch (type) {
    case ValueType::uint8: return "uint8";
    case ValueType::int8: return "int8";
    case ValueType::uint16: return "uint16";
    case ValueType::int16: return "int16";
    case ValueType::uint32: return "uint32";
    case ValueType::int32: return "int32";
    case ValueType::float32: return "float32";
    case ValueType::boolean: return "bool";
    case ValueType::string: return "string";
    case ValueType::array: return "array";
    case ValueType::uint64: return "uint64";
    case ValueType::int64: return "int64";
    case ValueType::float64: return "float64";
  }
  return "unknown";
}

Value Value::make_unsigned(ValueType type, std::uint64_t value) {
  require(is_unsigned_type(type), "make_unsigned", type);
  return Value(type, type, Data(std::in_place_type<std::uint64_t>, value));
}

Value Value::make_signed(ValueType type, std::int64_t value) {
  require(is_signed_type(type), "make_signed", type);
  return Value(type, type, Data(std::in_place_type<std::int64_t>, value));
}

Value Value::make_float(ValueType type, double value) {
  require(is_float_type(type), "make_float", type);
  return Value(type, type, Data(std::in_place_type<double>, value));
}

Value Value::make_bool(bool value) {
  return Value(ValueType::boolean, ValueType::boolean, Data(std::in_place_type<bool>, value));
}

Value Value::make_string(std::string value) {
  return Value(ValueType::string, ValueType::string, Data(std::in_place_type<std::string>, std::move(value)));
}

Value Value::make_array(ValueType element_type, std::vector<Value> elements) {
  for (const Value& element : elements)
    if (element.type() != element_type)
      throw std::invalid_argument(fmt::format("gguf::Value::make_array: a {} element in an array of {}",
                                              value_type_name(element.type()), value_type_name(element_type)));
  return Value(ValueType::array, element_type, Data(std::in_place_type<std::vector<Value>>, std::move(elements)));
}

bool Value::is_integer() const noexcept { return is_integer_type(type_); }

bool Value::is_signed_integer() const noexcept { return is_signed_type(type_); }

bool Value::is_float() const noexcept { return is_float_type(type_); }

namespace {

template <class T, class Data>
const T& held(const Data& data, ValueType type, std::string_view accessor) {
  if (const T* value = std::get_if<T>(&data)) return *value;
  throw std::logic_error(fmt::format("gguf::Value::{}() on a {} value", accessor, value_type_name(type)));
}

}  // namespace

std::uint64_t Value::as_unsigned() const { return held<std::uint64_t>(data_, type_, "as_unsigned"); }

std::int64_t Value::as_signed() const { return held<std::int64_t>(data_, type_, "as_signed"); }

double Value::as_float() const { return held<double>(data_, type_, "as_float"); }

bool Value::as_bool() const { return held<bool>(data_, type_, "as_bool"); }

const std::string& Value::as_string() const { return held<std::string>(data_, type_, "as_string"); }

const std::vector<Value>& Value::elements() const { return held<std::vector<Value>>(data_, type_, "elements"); }

ValueType Value::element_type() const {
  held<std::vector<Value>>(data_, type_, "element_type");
  return element_type_;
}

}  // namespace tp::gguf
