#pragma once
// The GGUF format (llama.cpp's model files, versions 2 and 3, little-endian),
// read by our own code. The files are on the trust boundary: every count,
// length, type, dimension and offset of the header is validated, with
// overflow-safe arithmetic and without allocating more than the file could
// hold, before a byte of tensor data is used; every error names the file and
// the key or tensor. Tensors dequantize to float32 bit for bit as the gguf
// Python package's gguf.quants.dequantize does.
#include <ATen/core/Tensor.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace tp::gguf {

// Metadata value types, numbered as in the file.
enum class ValueType : std::uint32_t {
  uint8 = 0,
  int8 = 1,
  uint16 = 2,
  int16 = 3,
  uint32 = 4,
  int32 = 5,
  float32 = 6,
  boolean = 7,
  string = 8,
  array = 9,
  uint64 = 10,
  int64 = 11,
  float64 = 12,
};

// "uint8", "int8", …, "float32", "bool", "string", "array", "uint64", "int64", "float64".
std::string_view value_type_name(ValueType type);

// One metadata value: an integer, a float, a bool, a string (bytes as stored),
// or an array of values of one type (arrays may nest).
class Value {
 public:
  // For the parser and for tests; each throws std::invalid_argument when the
  // type does not match the factory (make_unsigned(ValueType::int8, …)).
  static Value make_unsigned(ValueType type, std::uint64_t value);  // uint8 … uint64
  static Value make_signed(ValueType type, std::int64_t value);     // int8 … int64
  static Value make_float(ValueType type, double value);            // float32, float64
  static Value make_bool(bool value);
  static Value make_string(std::string value);
  static Value make_array(ValueType element_type, std::vector<Value> elements);

  ValueType type() const noexcept { return type_; }
  bool is_integer() const noexcept;         // uint8 … int64
  bool is_signed_integer() const noexcept;  // int8 … int64
  bool is_float() const noexcept;           // float32, float64

  // Each accessor requires the matching type and throws std::logic_error
  // otherwise: check type() first, or use Metadata's getters, which report a
  // wrong type as a tp::Error naming the file and the key.
  std::uint64_t as_unsigned() const;  // unsigned integer types
  std::int64_t as_signed() const;     // signed integer types
  double as_float() const;            // float32 (widened exactly) and float64
  bool as_bool() const;
  const std::string& as_string() const;
  ValueType element_type() const;              // arrays
  const std::vector<Value>& elements() const;  // arrays

 private:
  using Data = std::variant<std::uint64_t, std::int64_t, double, bool, std::string, std::vector<Value>>;
  Value(ValueType type, ValueType element_type, Data data)
      : type_(type), element_type_(element_type), data_(std::move(data)) {}

  ValueType type_;
  ValueType element_type_;  // arrays only
  Data data_;
};

// The key/value metadata of one file, in file order, with typed access. Every
// getter throws tp::Error naming the file and the key: get_* when the key is
// missing; get_* and find_* when its value has another type (naming the type
// expected and the type found) or, for integers, lies outside [min, max].
class Metadata {
 public:
  Metadata() = default;
  // Keys must be unique (the GGUF parser refuses duplicates); `path` names the file in errors.
  Metadata(std::filesystem::path path, std::vector<std::pair<std::string, Value>> entries);

  const std::vector<std::pair<std::string, Value>>& entries() const { return entries_; }
  const Value* find(std::string_view key) const;
  bool contains(std::string_view key) const { return find(key) != nullptr; }

  std::string get_string(std::string_view key) const;
  std::optional<std::string> find_string(std::string_view key) const;

  // Any integer type (uint8 … int64).
  std::int64_t get_integer(std::string_view key, std::int64_t min = std::numeric_limits<std::int64_t>::min(),
                           std::int64_t max = std::numeric_limits<std::int64_t>::max()) const;
  std::optional<std::int64_t> find_integer(std::string_view key,
                                           std::int64_t min = std::numeric_limits<std::int64_t>::min(),
                                           std::int64_t max = std::numeric_limits<std::int64_t>::max()) const;

  // float32 or float64.
  double get_float(std::string_view key) const;
  std::optional<double> find_float(std::string_view key) const;

  bool get_bool(std::string_view key) const;
  std::optional<bool> find_bool(std::string_view key) const;

  std::vector<std::string> get_string_array(std::string_view key) const;
  std::optional<std::vector<std::string>> find_string_array(std::string_view key) const;

  // Arrays of any one integer type; every element must lie in [min, max].
  std::vector<std::int64_t> get_integer_array(std::string_view key,
                                              std::int64_t min = std::numeric_limits<std::int64_t>::min(),
                                              std::int64_t max = std::numeric_limits<std::int64_t>::max()) const;
  std::optional<std::vector<std::int64_t>> find_integer_array(
      std::string_view key, std::int64_t min = std::numeric_limits<std::int64_t>::min(),
      std::int64_t max = std::numeric_limits<std::int64_t>::max()) const;

  // Arrays of float32 or float64.
  std::vector<double> get_float_array(std::string_view key) const;
  std::optional<std::vector<double>> find_float_array(std::string_view key) const;

 private:
  const Value& require(std::string_view key) const;

  std::filesystem::path path_;
  std::vector<std::pair<std::string, Value>> entries_;
  std::map<std::string, std::size_t, std::less<>> index_;  // key → position in entries_
};

// ggml's tensor types, numbered as in the file (the gaps are types ggml removed).
enum class GgmlType : std::uint32_t {
  F32 = 0,
  F16 = 1,
  Q4_0 = 2,
  Q4_1 = 3,
  Q5_0 = 6,
  Q5_1 = 7,
  Q8_0 = 8,
  Q8_1 = 9,
  Q2_K = 10,
  Q3_K = 11,
  Q4_K = 12,
  Q5_K = 13,
  Q6_K = 14,
  Q8_K = 15,
  IQ2_XXS = 16,
  IQ2_XS = 17,
  IQ3_XXS = 18,
  IQ1_S = 19,
  IQ4_NL = 20,
  IQ3_S = 21,
  IQ2_S = 22,
  IQ4_XS = 23,
  I8 = 24,
  I16 = 25,
  I32 = 26,
  I64 = 27,
  F64 = 28,
  IQ1_M = 29,
  BF16 = 30,
  TQ1_0 = 34,
  TQ2_0 = 35,
  MXFP4 = 39,
  NVFP4 = 40,
  Q1_0 = 41,
};

// ggml's name of the type: "F32", "Q4_K", "IQ2_XXS", ….
std::string_view ggml_type_name(GgmlType type);
// Whether File::dequantize decodes this type: F32, F16, BF16, Q4_0, Q4_1,
// Q5_0, Q5_1, Q8_0, Q2_K, Q3_K, Q4_K, Q5_K and Q6_K.
bool can_dequantize(GgmlType type);

struct TensorInfo {
  std::string name;
  GgmlType type = GgmlType::F32;
  std::vector<std::int64_t> dims;   // GGUF (ggml) order: dims[0] varies fastest
  std::vector<std::int64_t> shape;  // row-major, as PyTorch and numpy see it: dims reversed
  std::uint64_t offset = 0;         // inside the data area, a multiple of File::alignment()
  std::uint64_t element_count = 0;
  std::uint64_t byte_size = 0;      // whole blocks of `type`
};

// One GGUF file. Tensor data stays in the file's bytes (memory-mapped by
// open()) until it is read or dequantized.
class File {
 public:
  // Maps the file and validates its header; throws tp::Error naming the file
  // (and the key or tensor) when anything is wrong.
  static std::shared_ptr<const File> open(const std::filesystem::path& path);
  // The same validation of a GGUF image already in memory, named `name` in
  // errors. The File refers to `image`, which must outlive it.
  static std::shared_ptr<const File> parse(std::span<const std::byte> image, const std::filesystem::path& name);

  const std::filesystem::path& path() const { return path_; }
  std::uint32_t version() const { return version_; }
  std::uint64_t alignment() const { return alignment_; }  // general.alignment, else 32
  const Metadata& metadata() const { return metadata_; }
  const std::vector<TensorInfo>& tensors() const { return tensors_; }  // in file order
  const TensorInfo* find(std::string_view name) const;
  // Throws tp::Error naming the file (and a likely intended name) when there is no such tensor.
  const TensorInfo& tensor_info(std::string_view name) const;

  // The tensor's bytes as stored: info.byte_size bytes of blocks of info.type.
  // `info` must be one of tensors().
  std::span<const std::byte> raw_bytes(const TensorInfo& info) const;
  // The tensor's values as float32 in row-major order, into `out`, which must
  // hold info.element_count floats. Throws tp::Error naming the tensor and its
  // type when can_dequantize(info.type) is false.
  void dequantize(const TensorInfo& info, std::span<float> out) const;
  std::vector<float> dequantize(std::string_view name) const;
  // A float32 CPU tensor of shape info.shape in memory of its own.
  at::Tensor tensor(std::string_view name) const;

 private:
  File() = default;
  static std::shared_ptr<const File> read(std::span<const std::byte> image, const std::filesystem::path& name,
                                          std::shared_ptr<const void> owner);
  const TensorInfo& own(const TensorInfo& info) const;

  std::shared_ptr<const void> owner_;  // keeps the mapping of open() alive
  std::span<const std::byte> data_area_;
  std::filesystem::path path_;
  std::uint32_t version_ = 0;
  std::uint64_t alignment_ = 0;
  Metadata metadata_;
  std::vector<TensorInfo> tensors_;
  std::map<std::string, std::size_t, std::less<>> index_;  // name → position in tensors_
};

}  // namespace tp::gguf
