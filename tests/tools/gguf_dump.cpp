// Prints a GGUF file's version, metadata and tensor infos as one JSON object,
// and writes named tensors out: dequantized (--tensor NAME OUT, raw
// little-endian float32) or as stored (--raw NAME OUT). A file the reader
// refuses prints its tp::Error to stderr and exits 1. The GGUF tests compare
// it with the gguf Python package.
//
// Metadata values are JSON scalars (non-finite floats as the strings "nan",
// "inf", "-inf"); an array is {"element_type": …, "elements": [values]}.
#include <cmath>
#include <cstring>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <vector>

#include "tunepipe/error.hpp"
#include "tunepipe/gguf.hpp"

namespace {

using nlohmann::ordered_json;
namespace gguf = tp::gguf;

ordered_json value_json(const gguf::Value& value) {
  switch (value.type()) {
    case gguf::ValueType::boolean: return value.as_bool();
    case gguf::ValueType::string: return value.as_string();
    case gguf::ValueType::float32:
    case gguf::ValueType::float64: {
      const double number = value.as_float();
      if (std::isnan(number)) return "nan";
      if (std::isinf(number)) return number > 0 ? "inf" : "-inf";
      return number;
    }
    case gguf::ValueType::array: {
      ordered_json elements = ordered_json::array();
      for (const gguf::Value& element : value.elements()) elements.push_back(value_json(element));
      return {{"element_type", gguf::value_type_name(value.element_type())}, {"elements", std::move(elements)}};
    }
    default: return value.is_signed_integer() ? ordered_json(value.as_signed()) : ordered_json(value.as_unsigned());
  }
}

ordered_json file_json(const gguf::File& file) {
  ordered_json metadata = ordered_json::array();
  for (const auto& [key, value] : file.metadata().entries())
    metadata.push_back({{"key", key}, {"type", gguf::value_type_name(value.type())}, {"value", value_json(value)}});
  ordered_json tensors = ordered_json::array();
  for (const gguf::TensorInfo& info : file.tensors())
    tensors.push_back({{"name", info.name},
                       {"type", gguf::ggml_type_name(info.type)},
                       {"dims", info.dims},
                       {"shape", info.shape},
                       {"offset", info.offset},
                       {"element_count", info.element_count},
                       {"byte_size", info.byte_size}});
  return {{"version", file.version()},
          {"alignment", file.alignment()},
          {"metadata", std::move(metadata)},
          {"tensors", std::move(tensors)}};
}

bool write_bytes(const std::string& path, std::span<const std::byte> bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (out) return true;
  std::cerr << path << ": cannot write\n";
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || (args.size() - 1) % 3 != 0) {
    std::cerr << "usage: tunepipe_gguf_dump FILE.gguf [--tensor NAME OUT.f32]... [--raw NAME OUT.bin]...\n";
    return 2;
  }
  try {
    const auto file = gguf::File::open(args[0]);
    for (std::size_t i = 1; i < args.size(); i += 3) {
      const gguf::TensorInfo& info = file->tensor_info(args[i + 1]);
      if (args[i] == "--tensor") {
        const std::vector<float> values = file->dequantize(info.name);
        if (!write_bytes(args[i + 2], std::as_bytes(std::span(values)))) return 2;
      } else if (args[i] == "--raw") {
        if (!write_bytes(args[i + 2], file->raw_bytes(info))) return 2;
      } else {
        std::cerr << "unknown option " << args[i] << " (--tensor or --raw)\n";
        return 2;
      }
    }
    std::cout << file_json(*file).dump(-1, ' ', false, ordered_json::error_handler_t::replace) << "\n";
  } catch (const tp::Error& error) {
    std::cerr << error.what() << "\n";
    return 1;
  }
  return 0;
}
