// Writes a GGUF file with tp::gguf::Writer from a JSON description on stdin,
// quantizing each tensor with tp::gguf::quantize: the GGUF writer tests compare
// the file with what the gguf Python package's GGUFWriter writes.
//
//   {"alignment": 32,                                    (optional)
//    "metadata": [{"key": K, "type": "uint32", "value": V}, …],
//    "tensors": [{"name": N, "type": "Q8_0", "shape": [rows, row], "path": "values.f32"}, …],
//    "deferred": false, "short_tensor": N}               (optional: blocks encoded by write(), one a byte short)
//
// Values are as tunepipe_gguf_dump prints them: JSON scalars (non-finite
// floats as "nan", "inf", "-inf"); an array is {"element_type": T,
// "elements": [values]}. Tensor values are raw little-endian float32. A
// tp::Error is printed to stderr with exit status 1.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <limits>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "tunepipe/error.hpp"
#include "tunepipe/gguf.hpp"
#include "tunepipe/gguf_writer.hpp"

namespace {

using nlohmann::json;
namespace gguf = tp::gguf;

gguf::ValueType value_type_named(const std::string& name) {
  for (std::uint32_t id = 0; id <= static_cast<std::uint32_t>(gguf::ValueType::float64); ++id)
    if (gguf::value_type_name(static_cast<gguf::ValueType>(id)) == name) return static_cast<gguf::ValueType>(id);
  throw std::invalid_argument("unknown value type " + name);
}

gguf::GgmlType ggml_type_named(const std::string& name) {
  for (std::uint32_t id = 0; id < 64; ++id) {
    try {
      if (gguf::ggml_type_name(static_cast<gguf::GgmlType>(id)) == name) return static_cast<gguf::GgmlType>(id);
    } catch (const std::invalid_argument&) {  // an id ggml does not define
    }
  }
  throw std::invalid_argument("unknown ggml type " + name);
}

double float_of(const json& value) {
  if (value.is_string()) {
    const std::string text = value.get<std::string>();
    if (text == "nan") return std::numeric_limits<double>::quiet_NaN();
    if (text == "inf") return std::numeric_limits<double>::infinity();
    if (text == "-inf") return -std::numeric_limits<double>::infinity();
    throw std::invalid_argument("not a float: " + text);
  }
  return value.get<double>();
}

gguf::Value value_of(gguf::ValueType type, const json& value) {
  using VT = gguf::ValueType;
  switch (type) {
    case VT::uint8:
    case VT::uint16:
    case VT::uint32:
    case VT::uint64: return gguf::Value::make_unsigned(type, value.get<std::uint64_t>());
    case VT::int8:
    case VT::int16:
    case VT::int32:
    case VT::int64: return gguf::Value::make_signed(type, value.get<std::int64_t>());
    case VT::float32:
    case VT::float64: return gguf::Value::make_float(type, float_of(value));
    case VT::boolean: return gguf::Value::make_bool(value.get<bool>());
    case VT::string: return gguf::Value::make_string(value.get<std::string>());
    case VT::array: {
      const VT element_type = value_type_named(value.at("element_type").get<std::string>());
      std::vector<gguf::Value> elements;
      for (const json& element : value.at("elements")) elements.push_back(value_of(element_type, element));
      return gguf::Value::make_array(element_type, std::move(elements));
    }
  }
  throw std::invalid_argument("unknown value type");
}

std::vector<float> read_floats(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::invalid_argument("cannot read " + path);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<float> values(bytes.size() / sizeof(float));
  std::memcpy(values.data(), bytes.data(), values.size() * sizeof(float));
  return values;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: tunepipe_gguf_write OUT.gguf < description.json\n";
    return 2;
  }
  try {
    const json description = json::parse(std::cin);
    gguf::Writer writer(description.value("alignment", std::uint64_t{32}));
    for (const json& entry : description.value("metadata", json::array()))
      writer.add(entry.at("key").get<std::string>(),
                 value_of(value_type_named(entry.at("type").get<std::string>()), entry.at("value")));
    // "deferred": true encodes each tensor when write() reaches it; "short_tensor": N makes N's encoding a byte short.
    const bool deferred = description.value("deferred", false);
    const std::string short_tensor = description.value("short_tensor", std::string());
    for (const json& tensor : description.value("tensors", json::array())) {
      const auto type = ggml_type_named(tensor.at("type").get<std::string>());
      const auto shape = tensor.at("shape").get<std::vector<std::int64_t>>();
      const auto name = tensor.at("name").get<std::string>();
      const std::vector<float> values = read_floats(tensor.at("path").get<std::string>());
      if (!deferred) {
        writer.add_tensor(name, type, shape, gguf::quantize(type, values, shape.empty() ? 1 : shape.back()));
        continue;
      }
      writer.add_tensor(name, type, shape, [=] {
        std::vector<std::byte> blocks = gguf::quantize(type, values, shape.empty() ? 1 : shape.back());
        if (name == short_tensor) blocks.pop_back();
        return blocks;
      });
    }
    writer.write(argv[1]);
  } catch (const tp::Error& error) {
    std::cerr << error.what() << "\n";
    return 1;
  } catch (const std::exception& error) {  // a malformed description
    std::cerr << "tunepipe_gguf_write: " << error.what() << "\n";
    return 2;
  }
  return 0;
}
