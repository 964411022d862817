#pragma once
// Writes GGUF files (version 3, little-endian) for llama.cpp and Ollama, byte
// for byte as the gguf Python package's GGUFWriter writes the same metadata
// and tensors, and encodes float32 values into ggml blocks bit for bit as its
// gguf.quants.quantize does. Everything a reader would refuse (a duplicate key
// or tensor name, an integer out of its type's range, data whose size does not
// match its shape) is refused when it is added, with a tp::Error naming it.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "tunepipe/gguf.hpp"

namespace tp::gguf {

// Whether quantize() encodes this type: F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0 and Q5_1.
bool can_quantize(GgmlType type);

// `values` (row-major, rows of `row_length` values) encoded as `type`, bit for
// bit as gguf.quants.quantize(np.float32 array, type) encodes them (F16 and
// BF16 round to nearest even and keep NaN a NaN; where numpy's float-to-integer
// casts meet NaN or infinities, as on x86-64). Throws tp::Error naming the type
// when can_quantize(type) is false, or naming the type, its block size and
// row_length when the rows are not a whole number of blocks.
std::vector<std::byte> quantize(GgmlType type, std::span<const float> values, std::int64_t row_length);

// A GGUF file being assembled: metadata in the order added, then tensors in
// the order added.
class Writer {
 public:
  // `alignment` (a power of two) aligns the data area and every tensor in it;
  // throws tp::Error otherwise.
  explicit Writer(std::uint64_t alignment = 32);

  // Throws tp::Error naming the key when it is empty or not UTF-8, added
  // before, general.alignment (set through the constructor), an integer out of
  // its type's range, or arrays nested deeper than a reader accepts.
  // general.alignment is written (first, as uint32) only when it is not 32, as
  // GGUFWriter does.
  void add(std::string key, Value value);

  // `shape` row-major (as numpy sees it; the file stores it reversed), at most
  // 4 dimensions, none 0; `data` holds the encoded blocks (quantize()'s
  // output), whose size must match the shape and type (else tp::Error naming
  // the tensor, as for a duplicate or empty name).
  void add_tensor(std::string name, GgmlType type, std::vector<std::int64_t> shape, std::vector<std::byte> data);

  // The same, with the blocks encoded only when write() reaches the tensor (their size follows from the shape and
  // type), so that a model is never held encoded whole. `encode` must give exactly that many bytes; write() throws
  // tp::Error naming the tensor otherwise, leaving no file.
  void add_tensor(std::string name, GgmlType type, std::vector<std::int64_t> shape,
                  std::function<std::vector<std::byte>()> encode);

  // Writes the file to `path` through a temporary file in the same folder,
  // renamed at the end, so a failure (disk full, …) leaves nothing
  // half-written and no temporary behind; throws tp::Error naming the path.
  void write(const std::filesystem::path& path) const;

 private:
  struct Tensor {
    std::string name;
    std::vector<std::byte> info;  // the tensor info without its offset: name, dims, type
    std::uint64_t size;           // of the encoded blocks
    std::vector<std::byte> data;  // or, when empty and `encode` is set, what it returns
    std::function<std::vector<std::byte>()> encode;
  };

  // Checks the name and shape as add_tensor documents; the info and the size of the blocks.
  Tensor describe(std::string name, GgmlType type, const std::vector<std::int64_t>& shape) const;

  std::uint64_t alignment_;
  std::vector<std::byte> metadata_;  // the encoded key/value pairs, in the order added
  std::uint64_t metadata_count_ = 0;
  std::set<std::string, std::less<>> keys_;
  std::vector<Tensor> tensors_;
  std::set<std::string, std::less<>> tensor_names_;
};

}  // namespace tp::gguf
