#pragma once
// TFRecord framing, the container of TensorBoard event files: each record is
// its length (uint64), the masked CRC-32C of those 8 bytes (uint32), the data,
// and the masked CRC-32C of the data (uint32), all little-endian.
#include <boost/crc.hpp>

#include <cstdint>
#include <string>
#include <string_view>

// A relative path: tests/unit includes this header without the plugin's include directories.
#include "../sink-common/little_endian.hpp"

namespace tp::sinks::tfrecord {

// CRC-32C (Castagnoli polynomial 0x1EDC6F41, reflected, initial and final xor 0xFFFFFFFF).
inline std::uint32_t crc32c(std::string_view data) {
  boost::crc_optimal<32, 0x1EDC6F41, 0xFFFFFFFF, 0xFFFFFFFF, true, true> crc;
  crc.process_bytes(data.data(), data.size());
  return crc.checksum();
}

// TensorFlow stores CRCs rotated and offset, so that a CRC of data that itself
// holds CRCs stays well distributed.
inline std::uint32_t masked_crc32c(std::string_view data) {
  const std::uint32_t crc = crc32c(data);
  return ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
}

inline std::string record(std::string_view data) {
  std::string framed;
  append_little_endian(framed, data.size(), 8);
  append_little_endian(framed, masked_crc32c(framed), 4);
  framed += data;
  append_little_endian(framed, masked_crc32c(data), 4);
  return framed;
}

}  // namespace tp::sinks::tfrecord
