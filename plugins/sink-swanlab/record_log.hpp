#pragma once
// The run file of SwanLab's SDK (run-<id>.swanlab), which `swanlab sync`
// reads: a 7-byte header (":SWL", magic 0xE1D6, version 2, little-endian),
// then LevelDB's log format (https://github.com/google/leveldb/blob/main/doc/log_format.md)
// with a plain CRC-32 instead of LevelDB's masked CRC-32C: 32 KiB blocks of
// chunks, each a header (CRC-32 of the type byte and the data, data length,
// type) and its data; a record that does not fit in a block is split into
// FIRST, MIDDLE... and LAST chunks.
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string_view>

namespace tp::sinks::swanlab {

class RecordLog {
 public:
  // Creates the file, in a run folder of its own, and writes the header.
  explicit RecordLog(std::filesystem::path path);

  // Appends one serialized record.
  void append(std::string_view record);
  // Hands what was appended to the operating system, so a killed run keeps it.
  void flush();
  void close();

  const std::filesystem::path& path() const { return path_; }

 private:
  enum class ChunkType : std::uint8_t { Full = 1, First = 2, Middle = 3, Last = 4 };

  void write_chunk(std::string_view data, ChunkType type);
  void pad_block_tail();
  void check_stream(const char* what) const;

  std::filesystem::path path_;
  std::ofstream out_;
  std::uint64_t offset_ = 0;
};

}  // namespace tp::sinks::swanlab
