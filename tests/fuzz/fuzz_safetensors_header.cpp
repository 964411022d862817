// The safetensors header (sdk/src/safetensors/header_parser.cpp with
// strict_json.cpp, data_layout.cpp, dtype_table.cpp, common/utf8.cpp): the input is a
// whole file image, 8-byte little-endian header length, JSON header, data area.
// These sources name libtorch types (at::ScalarType tags in the dtype table),
// so they compile against libtorch's headers, but nothing here links libtorch:
// File::open only maps the file and calls parse_header, which this drives directly.
#include <cstddef>
#include <cstdint>
#include <span>

#include "fuzz_support.hpp"
#include "safetensors/header_parser.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data), size);
  tp::fuzz::expect_tp_errors_only("parse_header", [&] {
    const tp::safetensors::Header header = tp::safetensors::parse_header(bytes, "fuzz.safetensors");
    // What File::tensor relies on once the header is accepted: every tensor
    // lies inside the data area, and the data area inside the file.
    if (header.data_start > size) __builtin_trap();
    const std::uint64_t data_size = size - header.data_start;
    for (const auto& tensor : header.tensors)
      if (tensor.begin > tensor.end || tensor.end > data_size) __builtin_trap();
  });
  return 0;
}
