#pragma once
// The safetensors format, read and written by our own code: the files are on
// the trust boundary, so every header is validated before a byte of tensor
// data is used, and every error names the file and the tensor.
#include <ATen/core/Tensor.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tunepipe/error.hpp"

namespace tp::safetensors {

struct TensorInfo {
  std::string name;
  std::string dtype;                 // as written: "F32", "BF16", "F16", "I64", …
  std::vector<std::int64_t> shape;
  std::uint64_t begin = 0;           // byte offsets inside the data area
  std::uint64_t end = 0;
};

// One memory-mapped .safetensors file. Tensors are zero-copy CPU views into the
// mapping; each view keeps the mapping alive.
class File {
 public:
  // Validates the header as the format demands (length bounds, UTF-8 JSON,
  // known dtypes, shape × dtype size with overflow checks, offsets inside the
  // data area, contiguous, no overlap, no holes); throws tp::Error naming the
  // file (and the tensor) otherwise.
  static std::shared_ptr<const File> open(const std::filesystem::path& path);

  const std::filesystem::path& path() const;
  const std::vector<TensorInfo>& tensors() const;
  const std::map<std::string, std::string>& metadata() const;
  const TensorInfo* find(std::string_view name) const;
  // A view into the read-only mapping: writing through it faults, so clone()
  // before modifying in place. Data whose offset is misaligned for its type
  // comes back as a copy. Throws tp::Error for an unknown name, a dtype
  // libtorch has no type for, or BOOL bytes other than 0 and 1.
  at::Tensor tensor(std::string_view name) const;

  ~File();

 private:
  File() = default;
  struct Mapping;
  std::shared_ptr<Mapping> mapping_;
  std::filesystem::path path_;
  std::size_t data_start_ = 0;       // where the data area begins in the mapping
  std::vector<TensorInfo> tensors_;  // sorted by name
  std::map<std::string, std::string> metadata_;
};

// A checkpoint folder: model.safetensors, else the shards a
// model.safetensors.index.json names, else its only *.safetensors file (a
// path to a .safetensors file works too). A folder holding only pickle files
// (pytorch_model.bin) is refused with a message that says how to convert it.
class Checkpoint {
 public:
  static Checkpoint open(const std::filesystem::path& dir);

  std::vector<std::string> names() const;  // sorted
  bool contains(std::string_view name) const;
  at::Tensor tensor(std::string_view name) const;  // throws tp::Error naming the checkpoint when missing
  const TensorInfo& info(std::string_view name) const;  // dtype, shape and offsets inside its file; throws likewise
  std::shared_ptr<const File> file_of(std::string_view name) const;  // the file that holds it; throws likewise
  const std::filesystem::path& dir() const { return dir_; }

 private:
  std::filesystem::path dir_;
  std::map<std::string, std::shared_ptr<const File>, std::less<>> owner_;  // tensor name → its file
};

// Writes tensors (any device, contiguous or not) to `<path>.tmp-<pid>` and
// renames it into place, leaving nothing behind on failure. The layout is the
// reference writer's (widest dtype first, then by name; header padded to 8
// bytes), so every tensor is aligned and the file is byte-identical to its.
void write(const std::filesystem::path& path, const std::vector<std::pair<std::string, at::Tensor>>& tensors,
           const std::map<std::string, std::string>& metadata = {});

}  // namespace tp::safetensors
