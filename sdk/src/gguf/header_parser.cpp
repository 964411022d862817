#include "gguf/header_parser.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <map>
#include <string>
#include <utility>

#include "common/checked_math.hpp"
#include "gguf/byte_reader.hpp"
#include "gguf/tensor_info_reader.hpp"
#include "gguf/tensor_layout.hpp"
#include "gguf/value_reader.hpp"
#include "tunepipe/error.hpp"

namespace tp::gguf {

namespace {

constexpr char kMagic[4] = {'G', 'G', 'U', 'F'};
// The fewest bytes one entry takes: a key of one byte (length and byte), the
// value type, a one-byte value; a tensor info: a name of one byte, the rank,
// the type, the offset.
constexpr std::uint64_t kMinMetadataEntry = 8 + 1 + 4 + 1;
constexpr std::uint64_t kMinTensorInfo = 8 + 1 + 4 + 4 + 8;

[[noreturn]] void fail(const std::filesystem::path& path, const std::string& message) {
  throw Error(Location{path.string()}, message);
}

void check_magic(std::span<const std::byte> image, const std::filesystem::path& path) {
  if (image.size() >= sizeof kMagic && std::memcmp(image.data(), kMagic, sizeof kMagic) == 0) return;
  std::string start;
  for (std::size_t i = 0; i < std::min<std::size_t>(image.size(), sizeof kMagic); ++i)
    start += fmt::format("{}{:02x}", i ? " " : "", static_cast<unsigned>(image[i]));
  fail(path, fmt::format("not a GGUF file: it starts with the bytes [{}], not \"GGUF\" (47 47 55 46)", start));
}

std::uint32_t read_version(ByteReader& reader) {
  const std::uint64_t start = reader.offset();
  const std::uint32_t version = reader.read<std::uint32_t>("the version");
  if (version == 2 || version == 3) return version;
  const std::uint32_t swapped = __builtin_bswap32(version);
  if (swapped >= 1 && swapped <= 3)
    reader.fail_at(start, fmt::format("this is a big-endian GGUF file (version {} stored byte-swapped); only "
                                      "little-endian GGUF files can be read: convert it with gguf-python's "
                                      "gguf_convert_endian.py (FILE little)",
                                      swapped));
  if (version == 1)
    reader.fail_at(start, "GGUF version 1 (the 2023 draft with 32-bit counts and lengths) is not supported: convert "
                          "the model again with a current llama.cpp to get a version 3 file");
  reader.fail_at(start, fmt::format("unsupported GGUF version {}: versions 2 and 3 can be read", version));
}

// Refuses a count (read at byte `at`) that the rest of the file cannot hold, before anything is reserved for it.
void check_count(ByteReader& reader, std::uint64_t at, std::uint64_t count, std::uint64_t min_entry_size,
                 std::string_view what) {
  if (count > reader.remaining() / min_entry_size)
    reader.fail_at(at, fmt::format("the header announces {} {}, but the {} bytes left in the file hold at most {}: the "
                                   "file is corrupt or truncated",
                                   count, what, reader.remaining(), reader.remaining() / min_entry_size));
}

Metadata read_metadata(ByteReader& reader, std::uint64_t count) {
  std::vector<std::pair<std::string, Value>> entries;
  entries.reserve(count);
  std::map<std::string, std::uint64_t, std::less<>> first_seen;  // key → its byte offset
  for (std::uint64_t i = 0; i < count; ++i) {
    reader.set_context(fmt::format("metadata entry {}", i));
    const std::uint64_t start = reader.offset();
    std::string key = read_name(reader, "the key");
    reader.set_context(fmt::format("metadata key \"{}\"", key));
    if (const auto seen = first_seen.find(key); seen != first_seen.end())
      reader.fail_at(start, fmt::format("the key appears twice (first at byte {}): the file is corrupt", seen->second));
    first_seen.emplace(key, start);
    const ValueType type = read_value_type(reader, "the value type");
    Value value = read_value(reader, type);
    entries.emplace_back(std::move(key), std::move(value));
  }
  reader.set_context("");
  return Metadata(reader.path(), std::move(entries));
}

std::uint64_t read_alignment(const Metadata& metadata, const std::filesystem::path& path) {
  const std::optional<std::int64_t> alignment =
      metadata.find_integer("general.alignment", 0, std::numeric_limits<std::uint32_t>::max());
  if (!alignment) return kDefaultAlignment;
  if (*alignment == 0 || (*alignment & (*alignment - 1)) != 0)
    fail(path, fmt::format("metadata key \"general.alignment\" is {}: the data alignment must be a power of two "
                           "(GGUF's default is {})",
                           *alignment, kDefaultAlignment));
  return static_cast<std::uint64_t>(*alignment);
}

std::vector<TensorInfo> read_tensor_infos(ByteReader& reader, std::uint64_t count) {
  std::vector<TensorInfo> tensors;
  tensors.reserve(count);
  std::map<std::string, std::uint64_t, std::less<>> first_seen;  // name → its byte offset
  for (std::uint64_t i = 0; i < count; ++i) {
    reader.set_context(fmt::format("tensor info {}", i));
    const std::uint64_t start = reader.offset();
    TensorInfo info = read_tensor_info(reader);
    if (const auto seen = first_seen.find(info.name); seen != first_seen.end())
      reader.fail_at(start, fmt::format("the tensor name appears twice (first at byte {}): the file is corrupt",
                                        seen->second));
    first_seen.emplace(info.name, start);
    tensors.push_back(std::move(info));
  }
  reader.set_context("");
  return tensors;
}

// The data area begins at the end of the tensor infos, padded to the alignment.
void locate_data_area(const ByteReader& reader, Header& header) {
  const std::uint64_t header_end = reader.offset();
  const std::optional<std::uint64_t> padded = checked_add(header_end, header.alignment - 1);
  const std::uint64_t start = padded ? *padded / header.alignment * header.alignment : UINT64_MAX;
  if (header.tensors.empty()) {  // nothing to read: the padding may be missing
    header.data_start = std::min(start, reader.size());
  } else if (start > reader.size()) {
    fail(reader.path(), fmt::format("the data area would begin at byte {} (the header ends at byte {}, padded to the "
                                    "alignment {}), past the end of the file ({} bytes): the file is truncated",
                                    start, header_end, header.alignment, reader.size()));
  } else {
    header.data_start = start;
  }
  header.data_size = reader.size() - header.data_start;
}

}  // namespace

Header parse_header(std::span<const std::byte> image, const std::filesystem::path& path) {
  check_magic(image, path);
  ByteReader reader(image, path);
  reader.read_bytes(sizeof kMagic, "the magic");

  Header header;
  header.version = read_version(reader);
  const std::uint64_t tensor_count_at = reader.offset();
  const std::uint64_t tensor_count = reader.read<std::uint64_t>("the tensor count");
  const std::uint64_t metadata_count_at = reader.offset();
  const std::uint64_t metadata_count = reader.read<std::uint64_t>("the metadata count");
  check_count(reader, metadata_count_at, metadata_count, kMinMetadataEntry, "metadata entries");
  header.metadata = read_metadata(reader, metadata_count);
  header.alignment = read_alignment(header.metadata, path);
  check_count(reader, tensor_count_at, tensor_count, kMinTensorInfo, "tensors");
  header.tensors = read_tensor_infos(reader, tensor_count);

  locate_data_area(reader, header);
  check_tensor_layout(header.tensors, header.alignment, header.data_start, header.data_size, path);
  return header;
}

}  // namespace tp::gguf
