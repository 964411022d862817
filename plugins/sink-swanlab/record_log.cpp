#include "record_log.hpp"

#include <boost/crc.hpp>

#include <string>

#include "little_endian.hpp"
#include "tunepipe/error.hpp"

namespace tp::sinks::swanlab {
namespace {

constexpr std::uint64_t kBlockSize = 32768;
constexpr std::uint64_t kChunkHeaderSize = 7;
constexpr std::uint16_t kHeaderMagic = 0xE1D6;
constexpr std::uint8_t kFormatVersion = 2;

}  // namespace

RecordLog::RecordLog(std::filesystem::path path) : path_(std::move(path)) {
  out_.open(path_, std::ios::binary | std::ios::trunc);
  if (!out_) throw Error(Location{path_.string()}, "cannot create the SwanLab run file");
  std::string header = ":SWL";
  append_little_endian(header, kHeaderMagic, 2);
  append_little_endian(header, kFormatVersion, 1);
  out_ << header;
  offset_ = header.size();
  check_stream("cannot write the SwanLab run file's header");
}

void RecordLog::append(std::string_view record) {
  const std::uint64_t room = kBlockSize - offset_ % kBlockSize - kChunkHeaderSize;
  if (record.size() <= room) {
    write_chunk(record, ChunkType::Full);
  } else {
    write_chunk(record.substr(0, room), ChunkType::First);
    record.remove_prefix(room);
    while (record.size() > kBlockSize - kChunkHeaderSize) {
      write_chunk(record.substr(0, kBlockSize - kChunkHeaderSize), ChunkType::Middle);
      record.remove_prefix(kBlockSize - kChunkHeaderSize);
    }
    write_chunk(record, ChunkType::Last);
  }
  pad_block_tail();
  check_stream("write failed");
}

void RecordLog::write_chunk(std::string_view data, ChunkType type) {
  boost::crc_32_type crc;
  const auto type_byte = static_cast<std::uint8_t>(type);
  crc.process_byte(type_byte);
  crc.process_bytes(data.data(), data.size());
  std::string header;
  append_little_endian(header, crc.checksum(), 4);
  append_little_endian(header, data.size(), 2);
  append_little_endian(header, type_byte, 1);
  out_ << header << data;
  offset_ += kChunkHeaderSize + data.size();
}

// A block tail too short for a chunk header is zero-filled. LevelDB's writers
// (and SwanLab's) fill it only before the next record; filling it right away
// ends the file where SwanLab's reader expects a chunk, not inside a tail it
// would read as truncated padding.
void RecordLog::pad_block_tail() {
  const std::uint64_t left = kBlockSize - offset_ % kBlockSize;
  if (left >= kChunkHeaderSize) return;
  out_ << std::string(left, '\0');
  offset_ += left;
}

void RecordLog::flush() {
  out_.flush();
  check_stream("write failed");
}

void RecordLog::close() {
  out_.close();
  check_stream("write failed");
}

void RecordLog::check_stream(const char* what) const {
  if (!out_) throw Error(Location{path_.string()}, what);
}

}  // namespace tp::sinks::swanlab
