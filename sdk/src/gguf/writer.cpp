#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <limits>
#include <optional>
#include <ostream>

#include "common/checked_math.hpp"
#include "common/utf8.hpp"
#include "gguf/ggml_types.hpp"
#include "gguf/tensor_info_reader.hpp"
#include "gguf/writer_encoding.hpp"
#include "tunepipe/atomic_file.hpp"
#include "tunepipe/error.hpp"
#include "tunepipe/gguf_writer.hpp"

namespace tp::gguf {

namespace {

constexpr std::uint32_t kVersion = 3;
constexpr std::uint64_t kDefaultAlignment = 32;  // GGUF_DEFAULT_ALIGNMENT: general.alignment is left out for it
constexpr std::string_view kAlignmentKey = "general.alignment";
constexpr std::uint64_t kMaxCount = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());

// Keys and tensor names as the reader requires them (read_name): not empty, well-formed UTF-8.
void check_name(std::string_view name, std::string_view what) {
  if (name.empty()) throw Error(fmt::format("a {} is empty", what));
  if (const auto bad = first_invalid_utf8(name))
    throw Error(fmt::format("{} \"{}\" is not valid UTF-8 (byte {} of it)", what, name, *bad));
}

std::uint64_t padded(std::uint64_t size, std::uint64_t alignment) {
  return (size + alignment - 1) / alignment * alignment;
}

void put_padding(std::ostream& out, std::uint64_t size, std::uint64_t alignment) {
  static constexpr char kZeros[256] = {};
  for (std::uint64_t left = padded(size, alignment) - size; left > 0;) {
    const std::uint64_t chunk = std::min<std::uint64_t>(left, sizeof kZeros);
    out.write(kZeros, static_cast<std::streamsize>(chunk));
    left -= chunk;
  }
}

}  // namespace

Writer::Writer(std::uint64_t alignment) : alignment_(alignment) {
  if (alignment == 0 || (alignment & (alignment - 1)) != 0 || alignment > std::numeric_limits<std::uint32_t>::max())
    throw Error(fmt::format("GGUF alignment {}: it must be a power of two below 2^32", alignment));
}

void Writer::add(std::string key, Value value) {
  check_name(key, "metadata key");
  if (key == kAlignmentKey)
    throw Error(fmt::format("metadata key \"{}\" is written from the alignment the Writer is made with", key));
  if (keys_.contains(key)) throw Error(fmt::format("metadata key \"{}\" is added twice", key));
  ByteSink entry;
  put_metadata_entry(entry, key, value);  // encoded now, so that a bad value is refused here, not in write()
  metadata_.insert(metadata_.end(), entry.bytes().begin(), entry.bytes().end());
  ++metadata_count_;
  keys_.insert(std::move(key));
}

Writer::Tensor Writer::describe(std::string name, GgmlType type, const std::vector<std::int64_t>& shape) const {
  check_name(name, "tensor name");
  if (tensor_names_.contains(name)) throw Error(fmt::format("tensor \"{}\" is added twice", name));
  const GgmlTypeTraits* traits = find_ggml_type(static_cast<std::uint32_t>(type));
  if (!traits)
    throw Error(fmt::format("tensor \"{}\": unknown ggml type {}", name, static_cast<std::uint32_t>(type)));
  const auto fail = [&](const std::string& problem) {
    throw Error(fmt::format("tensor \"{}\" ({} of shape [{}]): {}", name, traits->name, fmt::join(shape, ", "),
                            problem));
  };
  if (shape.size() > kMaxDims) fail(fmt::format("ggml tensors have at most {} dimensions", kMaxDims));
  std::optional<std::uint64_t> count = 1;
  for (const std::int64_t dim : shape) {
    if (dim <= 0) fail("every dimension must be at least 1");
    if (count) count = checked_mul(*count, static_cast<std::uint64_t>(dim));
  }
  if (!count || *count > kMaxCount) fail("more than 2^63 - 1 elements");
  const std::uint64_t row = shape.empty() ? 1 : static_cast<std::uint64_t>(shape.back());
  if (row % traits->block_size != 0)
    fail(fmt::format("the row length {} is not a multiple of the {} block size {}", row, traits->name,
                     traits->block_size));
  const std::optional<std::uint64_t> bytes = checked_mul(*count / traits->block_size, traits->type_size);
  if (!bytes) fail("its blocks take more than 2^64 bytes");
  ByteSink info;
  info.put_string(name);
  info.put(static_cast<std::uint32_t>(shape.size()));
  for (auto dim = shape.rbegin(); dim != shape.rend(); ++dim) info.put(static_cast<std::uint64_t>(*dim));
  info.put(static_cast<std::uint32_t>(type));
  return Tensor{.name = std::move(name), .info = info.take(), .size = *bytes, .data = {}, .encode = {}};
}

void Writer::add_tensor(std::string name, GgmlType type, std::vector<std::int64_t> shape,
                        std::vector<std::byte> data) {
  Tensor tensor = describe(std::move(name), type, shape);
  if (tensor.size != data.size()) {
    const GgmlTypeTraits* traits = find_ggml_type(static_cast<std::uint32_t>(type));
    throw Error(fmt::format("tensor \"{}\" ({} of shape [{}]): {} bytes of data, but its blocks take {}",
                            tensor.name, traits->name, fmt::join(shape, ", "), data.size(), tensor.size));
  }
  tensor.data = std::move(data);
  tensor_names_.insert(tensor.name);
  tensors_.push_back(std::move(tensor));
}

void Writer::add_tensor(std::string name, GgmlType type, std::vector<std::int64_t> shape,
                        std::function<std::vector<std::byte>()> encode) {
  Tensor tensor = describe(std::move(name), type, shape);
  tensor.encode = std::move(encode);
  tensor_names_.insert(tensor.name);
  tensors_.push_back(std::move(tensor));
}

void Writer::write(const std::filesystem::path& path) const {
  // The header, the metadata and the tensor infos, with each tensor's offset in the data area.
  ByteSink head;
  head.put_bytes("GGUF", 4);
  head.put(kVersion);
  head.put(static_cast<std::uint64_t>(tensors_.size()));
  head.put(metadata_count_ + (alignment_ != kDefaultAlignment ? 1 : 0));
  if (alignment_ != kDefaultAlignment)
    put_metadata_entry(head, kAlignmentKey, Value::make_unsigned(ValueType::uint32, alignment_));
  head.put_bytes(metadata_.data(), metadata_.size());
  std::uint64_t offset = 0;
  for (const Tensor& tensor : tensors_) {
    head.put_bytes(tensor.info.data(), tensor.info.size());
    head.put(offset);
    const std::optional<std::uint64_t> next = checked_add(offset, padded(tensor.size, alignment_));
    if (!next) throw Error(Location{path.string()}, "the tensors take more than 2^64 bytes");
    offset = *next;
  }

  try {
    AtomicFile file(path);
    std::ostream& out = file.stream();
    out.write(reinterpret_cast<const char*>(head.bytes().data()), static_cast<std::streamsize>(head.bytes().size()));
    put_padding(out, head.bytes().size(), alignment_);  // the data area starts aligned, even with no tensors
    for (const Tensor& tensor : tensors_) {
      if (!out) break;  // commit() reports the failure
      const std::vector<std::byte> encoded = tensor.encode ? tensor.encode() : std::vector<std::byte>{};
      const std::vector<std::byte>& data = tensor.encode ? encoded : tensor.data;
      if (data.size() != tensor.size)
        throw Error(fmt::format("tensor \"{}\" was encoded as {} bytes, but its blocks take {}", tensor.name,
                                data.size(), tensor.size));
      out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
      put_padding(out, data.size(), alignment_);
    }
    file.commit();
  } catch (const Error& error) {
    throw Error(Location{path.string()}, fmt::format("cannot write the GGUF file: {}", error.message()));
  } catch (const std::filesystem::filesystem_error& error) {  // from creating the folder
    throw Error(Location{path.string()}, fmt::format("cannot write the GGUF file: {}", error.code().message()));
  }
}

}  // namespace tp::gguf
