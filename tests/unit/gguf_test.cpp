#include <catch2/catch.hpp>

#include <ATen/ATen.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "error_capture.hpp"
#include "tunepipe/error.hpp"
#include "tunepipe/gguf.hpp"

// c10's logging header defines a glog-style CHECK that aborts the process;
// give the name back to Catch.
#undef CHECK
#define CHECK(...) INTERNAL_CATCH_TEST("CHECK", Catch::ResultDisposition::ContinueOnFailure, __VA_ARGS__)

namespace gguf = tp::gguf;
using gguf::Value;
using gguf::ValueType;

namespace {

// A little-endian GGUF version 3 image, written field by field (the Python
// tests cover files from gguf-python; these cover the C++ interface).
class Image {
 public:
  Image& string(const std::string& text) {
    u64(text.size());
    bytes_.insert(bytes_.end(), text.begin(), text.end());
    return *this;
  }
  Image& i8(std::int8_t value) { return put(value); }
  Image& u16(std::uint16_t value) { return put(value); }
  Image& u32(std::uint32_t value) { return put(value); }
  Image& u64(std::uint64_t value) { return put(value); }
  Image& f32(float value) { return put(value); }
  Image& pad(std::size_t alignment) {
    bytes_.resize((bytes_.size() + alignment - 1) / alignment * alignment);
    return *this;
  }
  std::span<const std::byte> bytes() const {
    return {reinterpret_cast<const std::byte*>(bytes_.data()), bytes_.size()};
  }

 private:
  template <class T>
  Image& put(T value) {
    const auto* raw = reinterpret_cast<const char*>(&value);
    bytes_.insert(bytes_.end(), raw, raw + sizeof value);
    return *this;
  }
  std::vector<char> bytes_;
};

gguf::Metadata sample_metadata() {
  std::vector<std::pair<std::string, Value>> entries;
  entries.emplace_back("general.name", Value::make_string("tiny"));
  entries.emplace_back("n.uint8", Value::make_unsigned(ValueType::uint8, 200));
  entries.emplace_back("n.int64", Value::make_signed(ValueType::int64, -5));
  entries.emplace_back("n.huge", Value::make_unsigned(ValueType::uint64, UINT64_MAX));
  entries.emplace_back("eps", Value::make_float(ValueType::float32, 1e-5f));
  entries.emplace_back("flag", Value::make_bool(true));
  entries.emplace_back("tokens",
                       Value::make_array(ValueType::string, {Value::make_string("a"), Value::make_string("b")}));
  entries.emplace_back("ids", Value::make_array(ValueType::int32, {Value::make_signed(ValueType::int32, 3),
                                                                   Value::make_signed(ValueType::int32, -1)}));
  entries.emplace_back("scores", Value::make_array(ValueType::float64, {Value::make_float(ValueType::float64, 0.5)}));
  return gguf::Metadata("model.gguf", std::move(entries));
}

}  // namespace

TEST_CASE("typed metadata getters return values of their type", "[gguf]") {
  const gguf::Metadata metadata = sample_metadata();
  CHECK(metadata.get_string("general.name") == "tiny");
  CHECK(metadata.get_integer("n.uint8", 0, 255) == 200);
  CHECK(metadata.get_integer("n.int64") == -5);
  CHECK(metadata.get_float("eps") == static_cast<double>(1e-5f));
  CHECK(metadata.get_bool("flag"));
  CHECK(metadata.get_string_array("tokens") == std::vector<std::string>{"a", "b"});
  CHECK(metadata.get_integer_array("ids", -1, 3) == std::vector<std::int64_t>{3, -1});
  CHECK(metadata.get_float_array("scores") == std::vector<double>{0.5});
  CHECK_FALSE(metadata.find_string("absent"));
  CHECK_FALSE(metadata.find_integer("absent"));
  CHECK(metadata.find_bool("flag") == true);
  CHECK(metadata.entries().size() == 9);
}

TEST_CASE("typed metadata getters name the file, the key, the expected and the found type", "[gguf]") {
  const gguf::Metadata metadata = sample_metadata();
  CHECK(error_of([&] { metadata.get_integer("general.name"); }) ==
        "model.gguf: error: metadata key \"general.name\" holds a string, but an integer (uint8 … int64) is expected "
        "here: the file does not follow the GGUF convention for this key");
  CHECK(error_of([&] { metadata.find_float("n.uint8"); }).find("holds a uint8, but a float (float32 or float64)") !=
        std::string::npos);
  CHECK(error_of([&] { metadata.get_string_array("ids"); })
            .find("holds an array of int32, but an array of strings") != std::string::npos);
  CHECK(error_of([&] { metadata.get_integer("n.uint8", 0, 100); }) ==
        "model.gguf: error: metadata key \"n.uint8\" is 200, outside the accepted range [0, 100]");
  CHECK(error_of([&] { metadata.get_integer("n.huge"); }).find("is 18446744073709551615, outside") !=
        std::string::npos);
  CHECK(error_of([&] { metadata.get_integer_array("ids", 0, 10); }).find("element 1 of metadata key \"ids\" is -1") !=
        std::string::npos);
  CHECK(error_of([&] { metadata.get_string("general.nmae"); }) ==
        "model.gguf: error: metadata key \"general.nmae\" is missing — did you mean \"general.name\"?");
}

TEST_CASE("values refuse factories and accessors of another type", "[gguf]") {
  CHECK_THROWS_AS(Value::make_unsigned(ValueType::int8, 1), std::invalid_argument);
  CHECK_THROWS_AS(Value::make_float(ValueType::uint32, 1.0), std::invalid_argument);
  CHECK_THROWS_AS(Value::make_array(ValueType::string, {Value::make_bool(true)}), std::invalid_argument);
  const Value number = Value::make_unsigned(ValueType::uint16, 7);
  CHECK(number.is_integer());
  CHECK_FALSE(number.is_signed_integer());
  CHECK(number.as_unsigned() == 7);
  CHECK_THROWS_AS(number.as_signed(), std::logic_error);
  CHECK_THROWS_AS(number.elements(), std::logic_error);
  CHECK(gguf::value_type_name(ValueType::boolean) == "bool");
}

TEST_CASE("an image in memory parses like a file; tensors come back as float32 of the row-major shape", "[gguf]") {
  Image file;
  file.u32(0x46554747).u32(3).u64(2).u64(1);  // magic "GGUF", version, 2 tensors, 1 metadata entry
  file.string("general.architecture").u32(8).string("llama");
  file.string("a").u32(2).u64(3).u64(2).u32(0).u64(0);  // F32, dims [3, 2], at 0
  file.string("b").u32(1).u64(32).u32(8).u64(32);       // Q8_0, dims [32], at 32
  file.pad(32);
  for (int i = 0; i < 6; ++i) file.f32(static_cast<float>(i) / 2);
  file.pad(32);
  file.u16(0xBC00);  // the Q8_0 block: scale -1.0 as float16, then 32 int8 values -16 … 15
  for (int i = -16; i < 16; ++i) file.i8(static_cast<std::int8_t>(i));

  const auto parsed = gguf::File::parse(file.bytes(), "mem.gguf");
  REQUIRE(parsed->tensors().size() == 2);
  const gguf::TensorInfo& a = parsed->tensor_info("a");
  CHECK(a.dims == std::vector<std::int64_t>{3, 2});
  CHECK(a.shape == std::vector<std::int64_t>{2, 3});
  CHECK(a.byte_size == 24);
  CHECK(parsed->metadata().get_string("general.architecture") == "llama");

  const at::Tensor values = parsed->tensor("a");
  CHECK(values.scalar_type() == at::kFloat);
  CHECK(values.sizes() == at::IntArrayRef{2, 3});
  CHECK(values[1][2].item<float>() == 2.5f);
  const at::Tensor b = parsed->tensor("b");
  CHECK(b.sizes() == at::IntArrayRef{32});
  CHECK(b[0].item<float>() == 16.0f);
  CHECK(b[31].item<float>() == -15.0f);
  CHECK(parsed->raw_bytes(parsed->tensor_info("b")).size() == 34);

  std::vector<float> too_small(5);
  CHECK_THROWS_AS(parsed->dequantize(a, too_small), std::invalid_argument);
  const gguf::TensorInfo foreign = a;
  CHECK_THROWS_AS(parsed->raw_bytes(foreign), std::invalid_argument);
  CHECK(error_of([&] { parsed->tensor("c"); }) ==
        "mem.gguf: error: no tensor \"c\" in this file — did you mean \"a\"?");
}

TEST_CASE("a file that cannot be opened is named in the error", "[gguf]") {
  CHECK(error_of([] { gguf::File::open("/nonexistent/model.gguf"); })
            .starts_with("/nonexistent/model.gguf: error: cannot open: "));
}
