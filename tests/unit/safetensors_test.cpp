#include <catch2/catch.hpp>

#include <ATen/ATen.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include "error_capture.hpp"
#include "tunepipe/error.hpp"
#include "tunepipe/safetensors.hpp"

// c10's logging header defines a glog-style CHECK that aborts the process;
// give the name back to Catch.
#undef CHECK
#define CHECK(...) INTERNAL_CATCH_TEST("CHECK", Catch::ResultDisposition::ContinueOnFailure, __VA_ARGS__)

namespace fs = std::filesystem;
namespace st = tp::safetensors;
using namespace std::string_literals;

namespace {

// A fresh folder per test, removed afterwards.
struct TempDir {
  fs::path path;
  TempDir() {
    static int counter = 0;
    path = fs::temp_directory_path() / ("tunepipe-safetensors-test-" + std::to_string(::getpid()) + "-" +
                                        std::to_string(counter++));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
  std::string operator/(const std::string& name) const { return (path / name).string(); }
};

std::string le64(std::uint64_t value) {
  std::string bytes(8, '\0');
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>(value >> (8 * i));
  return bytes;
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

// A file with this header text (unpadded) and data area.
void write_raw(const std::string& path, const std::string& header, const std::string& data = "") {
  write_bytes(path, le64(header.size()) + header + data);
}

std::string open_error(const std::string& path) {
  return error_of([&] { st::File::open(path); });
}

std::string file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

TEST_CASE("written tensors read back equal, as zero-copy views that outlive the file", "[safetensors]") {
  TempDir dir;
  const std::string path = dir / "model.safetensors";
  const at::Tensor matrix = at::arange(6, at::kFloat).reshape({2, 3});
  const at::Tensor transposed = matrix.t();  // not contiguous
  const std::vector<std::pair<std::string, at::Tensor>> tensors = {
      {"w.f32", matrix},
      {"w.t", transposed},
      {"b.bf16", at::arange(5, at::kFloat).to(at::kBFloat16)},
      {"c.f16", at::full({3}, 1.5, at::kHalf)},
      {"d.i64", at::arange(4, at::kLong)},
      {"e.bool", at::tensor({1, 0, 1}).to(at::kBool)},
      {"f.u8", at::arange(7, at::kByte)},
      {"g.scalar", at::scalar_tensor(2.5, at::kDouble)},
      {"h.empty", at::empty({0, 4}, at::kFloat)},
  };
  st::write(path, tensors, {{"format", "pt"}});
  CHECK(!fs::exists(path + ".tmp-" + std::to_string(::getpid())));

  const std::string bytes = file_bytes(path);
  std::uint64_t header_size = 0;
  for (int i = 7; i >= 0; --i) header_size = (header_size << 8) | static_cast<unsigned char>(bytes[i]);
  CHECK(header_size % 8 == 0);
  CHECK(bytes[8] == '{');

  auto file = st::File::open(path);
  CHECK((file->metadata() == std::map<std::string, std::string>{{"format", "pt"}}));
  std::vector<std::string> names;
  for (const auto& info : file->tensors()) names.push_back(info.name);
  CHECK((names == std::vector<std::string>{"b.bf16", "c.f16", "d.i64", "e.bool", "f.u8", "g.scalar", "h.empty",
                                           "w.f32", "w.t"}));
  CHECK(file->find("b.bf16")->dtype == "BF16");
  CHECK(file->find("g.scalar")->shape.empty());
  CHECK((file->find("h.empty")->shape == std::vector<std::int64_t>{0, 4}));
  CHECK((file->find("w.t")->shape == std::vector<std::int64_t>{3, 2}));
  CHECK(file->find("nope") == nullptr);

  for (const auto& [name, expected] : tensors) {
    const at::Tensor loaded = file->tensor(name);
    INFO(name);
    CHECK(loaded.scalar_type() == expected.scalar_type());
    CHECK(loaded.sizes() == expected.sizes());
    CHECK(at::equal(loaded, expected));
    if (loaded.numel() > 0)
      CHECK(reinterpret_cast<std::uintptr_t>(loaded.const_data_ptr()) % loaded.element_size() == 0);
  }
  CHECK(file->tensor("w.f32").const_data_ptr() == file->tensor("w.f32").const_data_ptr());  // a view, not a copy

  const at::Tensor kept = file->tensor("w.t");
  file.reset();
  CHECK(at::equal(kept, transposed));
}

TEST_CASE("the writer refuses what it cannot write and leaves nothing behind", "[safetensors]") {
  TempDir dir;
  const std::string path = dir / "out.safetensors";
  const at::Tensor one = at::ones({1});
  CHECK(error_of([&] { st::write(path, {{"a", one}, {"a", one}}); }) ==
        path + ": error: tensor \"a\" is given twice");
  CHECK(error_of([&] { st::write(path, {{"__metadata__", one}}); }) ==
        path + ": error: \"__metadata__\" cannot be a tensor name");
  CHECK(error_of([&] { st::write(path, {{"u", at::Tensor()}}); }) == path + ": error: tensor \"u\" is undefined");
  CHECK(error_of([&] { st::write(path, {{"c", at::ones({1}, at::kComplexDouble)}}); }) ==
        path + ": error: tensor \"c\": dtype ComplexDouble has no safetensors equivalent");
  const std::string missing = dir / "no/such/folder/out.safetensors";
  CHECK(error_of([&] { st::write(missing, {{"a", one}}); })
            .starts_with(missing + ": error: cannot create " + missing + ".tmp-"));
  CHECK(fs::is_empty(dir.path));

  st::write(path, {});
  CHECK(file_bytes(path) == le64(8) + "{}      ");
  CHECK(st::File::open(path)->tensors().empty());
}

TEST_CASE("the 8-byte length and the header framing are checked", "[safetensors]") {
  TempDir dir;
  const std::string path = dir / "bad.safetensors";

  write_bytes(path, "\x05\x00\x00"s);
  CHECK(open_error(path) == path + ": error: the file is 3 bytes long, too short for the 8-byte header length a "
                                   "safetensors file starts with");
  write_bytes(path, "");
  CHECK(open_error(path).starts_with(path + ": error: the file is 0 bytes long"));

  write_bytes(path, le64(200'000'000) + "{}");
  CHECK(open_error(path) ==
        path + ": error: header length 200000000 is over the 100000000-byte limit (is this a safetensors file?)");

  write_bytes(path, le64(100) + "{}");
  CHECK(open_error(path) == path + ": error: header length 100 runs past the end of the file (10 bytes): the file "
                                   "is truncated or not a safetensors file");

  write_raw(path, "{\"a\xff\":1}");
  CHECK(open_error(path) == path + ": error: the header is not valid UTF-8 (byte 3 of the header)");
  write_raw(path, "{\"\xed\xa0\x80\":1}");  // an encoded surrogate
  CHECK(open_error(path) == path + ": error: the header is not valid UTF-8 (byte 2 of the header)");

  write_raw(path, "{\"a\":");
  CHECK(open_error(path) == path + ": error: the header is not valid JSON: parse error at line 1, column 6: syntax "
                                   "error while parsing value - unexpected end of input; expected '[', '{', or a "
                                   "literal");
  write_raw(path, "{}\0\0"s);  // nlohmann alone would stop at the NUL and accept this
  CHECK(open_error(path) == path + ": error: the header is not valid JSON: a NUL byte at byte 2");

  write_raw(path, "[1,2]");
  CHECK(open_error(path) == path + ": error: the header must be a JSON object, not array");

  write_raw(path, "  {}    ");  // surrounding whitespace is fine, as the reference pads with spaces
  CHECK(st::File::open(path)->tensors().empty());
}

TEST_CASE("each tensor entry is checked: dtype, shape, offsets, size", "[safetensors]") {
  TempDir dir;
  const std::string path = dir / "bad.safetensors";
  const std::string prefix = path + ": error: ";
  const auto entry = [](const std::string& dtype, const std::string& shape, const std::string& offsets) {
    return R"({"t":{"dtype":")" + dtype + R"(","shape":)" + shape + R"(,"data_offsets":)" + offsets + "}}";
  };

  write_raw(path, entry("F33", "[1]", "[0,4]"), std::string(4, '\0'));
  CHECK(open_error(path) ==
        prefix + "tensor \"t\": unknown dtype \"F33\" (the format has BOOL, F4, F6_E2M3, F6_E3M2, U8, I8, F8_E5M2, "
                 "F8_E4M3, F8_E8M0, F8_E4M3FNUZ, F8_E5M2FNUZ, I16, U16, F16, BF16, I32, U32, F32, C64, F64, I64, U64)");
  write_raw(path, R"({"t":{"dtype":32,"shape":[1],"data_offsets":[0,4]}})", std::string(4, '\0'));
  CHECK(open_error(path) == prefix + "tensor \"t\": dtype must be a string, got 32");
  write_raw(path, R"({"t":{"dtype":"F32","data_offsets":[0,4]}})", std::string(4, '\0'));
  CHECK(open_error(path) == prefix + "tensor \"t\": \"shape\" is missing");
  write_raw(path, R"({"t":[1]})");
  CHECK(open_error(path) ==
        prefix + "tensor \"t\": its entry must be an object with dtype, shape and data_offsets, got [1]");

  write_raw(path, entry("F32", "[2,-1]", "[0,4]"), std::string(4, '\0'));
  CHECK(open_error(path) == prefix + "tensor \"t\": shape [2,-1] has a negative size");
  write_raw(path, entry("F32", "[1.0]", "[0,4]"), std::string(4, '\0'));
  CHECK(open_error(path) == prefix + "tensor \"t\": shape [1.0] holds 1.0, not a size");
  write_raw(path, entry("F32", "4", "[0,4]"), std::string(4, '\0'));
  CHECK(open_error(path) == prefix + "tensor \"t\": shape must be an array of sizes, got 4");
  write_raw(path, entry("F32", "[9223372036854775808]", "[0,4]"), std::string(4, '\0'));
  CHECK(open_error(path) == prefix + "tensor \"t\": shape [9223372036854775808] has a size too large for a tensor");
  write_raw(path, entry("F64", "[4294967296,4294967296]", "[0,8]"), std::string(8, '\0'));
  CHECK(open_error(path) ==
        prefix + "tensor \"t\": shape [4294967296,4294967296] of F64 is too large (its byte size overflows 64 bits)");
  write_raw(path, entry("F4", "[3]", "[0,2]"), std::string(2, '\0'));
  CHECK(open_error(path) == prefix + "tensor \"t\": shape [3] of F4 does not end on a byte boundary");

  for (const std::string offsets : {"[4,0]", "[0]", "[0,4,8]", "[-1,4]", "\"0-4\"", "[0,4.0]"}) {
    write_raw(path, entry("F32", "[1]", offsets), std::string(4, '\0'));
    CHECK(open_error(path) == prefix + "tensor \"t\": data_offsets must be two non-decreasing byte offsets [begin, "
                                       "end], got " + offsets);
  }
  write_raw(path, entry("F32", "[2]", "[0,8]"), std::string(4, '\0'));
  CHECK(open_error(path) == prefix + "tensor \"t\": data_offsets [0,8] go past the end of the data area (4 bytes)");
  write_raw(path, entry("F32", "[2,3]", "[0,20]"), std::string(20, '\0'));
  CHECK(open_error(path) == prefix + "tensor \"t\": shape [2,3] of F32 needs 24 bytes but data_offsets [0,20] hold 20");

  write_raw(path, R"({"__metadata__":{"format":1}})");
  CHECK(open_error(path) == prefix + "\"__metadata__\" value \"format\" must be a string, not number");
  write_raw(path, R"({"__metadata__":[]})");
  CHECK(open_error(path) == prefix + "\"__metadata__\" must be an object of strings, not array");

  write_raw(path, R"({"t":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"extra":true}})", std::string(4, '\0'));
  CHECK(st::File::open(path)->find("t") != nullptr);  // unknown keys are ignored, as by the reference
}

TEST_CASE("repeated keys are refused rather than silently taking the last", "[safetensors]") {
  TempDir dir;
  const std::string path = dir / "dup.safetensors";
  write_raw(path,
            R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
            std::string(8, '\0'));
  CHECK(open_error(path) == path + ": error: the header lists \"a\" twice");
  write_raw(path, R"({"a":{"dtype":"F32","dtype":"I32","shape":[1],"data_offsets":[0,4]}})", std::string(4, '\0'));
  CHECK(open_error(path) == path + ": error: the header entry \"a\" has the key \"dtype\" twice");
}

TEST_CASE("tensors must tile the data area: no overlap, no hole, nothing left over", "[safetensors]") {
  TempDir dir;
  const std::string path = dir / "layout.safetensors";
  const std::string prefix = path + ": error: ";
  const auto two = [](const std::string& a_offsets, const std::string& b_offsets) {
    return R"({"a":{"dtype":"U8","shape":[4],"data_offsets":)" + a_offsets +
           R"(},"b":{"dtype":"U8","shape":[4],"data_offsets":)" + b_offsets + "}}";
  };
  write_raw(path, two("[0,4]", "[2,6]"), std::string(6, '\0'));
  CHECK(open_error(path) == prefix + "tensor \"a\" (bytes 0–4) overlaps the next tensor \"b\" (bytes 2–6)");
  write_raw(path, two("[4,8]", "[4,8]"), std::string(8, '\0'));
  CHECK(open_error(path) == prefix + "bytes 0–4 of the data area belong to no tensor (before \"a\")");
  write_raw(path, two("[0,4]", "[6,10]"), std::string(10, '\0'));
  CHECK(open_error(path) == prefix + "bytes 4–6 of the data area belong to no tensor (between \"a\" and \"b\")");
  write_raw(path, two("[4,8]", "[0,4]"), std::string(12, '\0'));
  CHECK(open_error(path) == prefix + "bytes 8–12 of the data area belong to no tensor (after \"a\")");
  write_raw(path, "{}", std::string(3, '\0'));
  CHECK(open_error(path) == prefix + "bytes 0–3 of the data area belong to no tensor (the header lists no tensors)");

  // Out of order in the header is fine, and an empty tensor may share its offset.
  write_raw(path,
            R"({"z":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},"e":{"dtype":"F32","shape":[0],"data_offsets":[4,4]},)"
            R"("a":{"dtype":"U8","shape":[2],"data_offsets":[4,6]}})",
            "abcdef");
  const auto file = st::File::open(path);
  CHECK(file->tensors().size() == 3);
  CHECK(file->tensor("e").numel() == 0);
  CHECK(at::equal(file->tensor("a"), at::tensor({101, 102}).to(at::kByte)));
}

TEST_CASE("misaligned data is copied, unknown-to-libtorch dtypes and bad bools are refused", "[safetensors]") {
  TempDir dir;
  const std::string path = dir / "odd.safetensors";
  const float values[2] = {1.5f, -2.0f};
  // A header length that is not a multiple of 4 leaves the F32 data misaligned in the mapping.
  std::string header = R"({"f":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
  while ((8 + header.size()) % 4 != 1) header += ' ';
  write_raw(path, header, std::string(reinterpret_cast<const char*>(values), sizeof values));
  const at::Tensor f = st::File::open(path)->tensor("f");
  CHECK(reinterpret_cast<std::uintptr_t>(f.const_data_ptr()) % 4 == 0);
  CHECK(at::equal(f, at::tensor({1.5f, -2.0f})));

  write_raw(path, R"({"q":{"dtype":"F4","shape":[4],"data_offsets":[0,2]}})", "ab");
  CHECK(error_of([&] { st::File::open(path)->tensor("q"); }) ==
        path + ": error: tensor \"q\" has dtype F4, which libtorch has no type for");
  CHECK(error_of([&] { st::File::open(path)->tensor("r"); }) ==
        path + ": error: no tensor \"r\" in this file — did you mean \"q\"?");

  write_raw(path, R"({"m":{"dtype":"BOOL","shape":[3],"data_offsets":[0,3]}})", "\x01\x00\x02"s);
  CHECK(error_of([&] { st::File::open(path)->tensor("m"); }) ==
        path + ": error: tensor \"m\": BOOL element 2 holds the byte 2, not 0 or 1");
}

TEST_CASE("a checkpoint folder: one file, shards through an index, or a clear refusal", "[safetensors]") {
  TempDir dir;
  const at::Tensor a = at::arange(4, at::kFloat), b = at::ones({2, 2}, at::kBFloat16);

  SECTION("model.safetensors") {
    st::write(dir / "model.safetensors", {{"model.embed_tokens.weight", a}, {"lm_head.weight", b}});
    const auto checkpoint = st::Checkpoint::open(dir.path);
    CHECK((checkpoint.names() == std::vector<std::string>{"lm_head.weight", "model.embed_tokens.weight"}));
    CHECK(checkpoint.contains("lm_head.weight"));
    CHECK(!checkpoint.contains("lm_head"));
    CHECK(at::equal(checkpoint.tensor("model.embed_tokens.weight"), a));
    CHECK(checkpoint.info("lm_head.weight").dtype == "BF16");
    CHECK(error_of([&] { checkpoint.tensor("model.embed_token.weight"); }) ==
          dir.path.string() + ": error: no tensor \"model.embed_token.weight\" in this checkpoint — did you mean "
                              "\"model.embed_tokens.weight\"?");
    CHECK(error_of([&] { checkpoint.tensor("something.else"); }) ==
          dir.path.string() + ": error: no tensor \"something.else\" in this checkpoint");
    CHECK(st::Checkpoint::open(dir / "model.safetensors").names().size() == 2);  // a file works too
  }

  SECTION("any single .safetensors file") {
    st::write(dir / "weights.safetensors", {{"a", a}});
    write_bytes(dir / "pytorch_model.bin", "pickle");
    CHECK((st::Checkpoint::open(dir.path).names() == std::vector<std::string>{"a"}));
    st::write(dir / "more.safetensors", {{"b", b}});
    CHECK(error_of([&] { st::Checkpoint::open(dir.path); }) ==
          dir.path.string() + ": error: several .safetensors files (more.safetensors, weights.safetensors) but no "
                              "model.safetensors.index.json to say which tensors each holds");
  }

  SECTION("shards named by model.safetensors.index.json") {
    const std::string index = dir / "model.safetensors.index.json";
    st::write(dir / "model-00001-of-00002.safetensors", {{"a", a}});
    st::write(dir / "model-00002-of-00002.safetensors", {{"b", b}, {"unlisted", a}});
    write_bytes(index, R"({"metadata":{"total_size":16},"weight_map":{"a":"model-00001-of-00002.safetensors",)"
                       R"("b":"model-00002-of-00002.safetensors"}})");
    const auto checkpoint = st::Checkpoint::open(dir.path);
    CHECK((checkpoint.names() == std::vector<std::string>{"a", "b"}));
    CHECK(at::equal(checkpoint.tensor("b"), b));
    CHECK(checkpoint.file_of("b")->path() == dir.path / "model-00002-of-00002.safetensors");

    write_bytes(index, R"({"weight_map":{"a":"model-00001-of-00002.safetensors","c":"model-00003-of-00003.safetensors"}})");
    CHECK(error_of([&] { st::Checkpoint::open(dir.path); }) ==
          index + ": error: shard \"model-00003-of-00003.safetensors\" does not exist (the index names it for 1 "
                  "tensor, e.g. \"c\")");
    write_bytes(index, R"({"weight_map":{"a":"model-00001-of-00002.safetensors","c":"model-00001-of-00002.safetensors"}})");
    CHECK(error_of([&] { st::Checkpoint::open(dir.path); }) ==
          index + ": error: tensor \"c\" is listed in shard \"model-00001-of-00002.safetensors\", which does not hold it");
    write_bytes(index, R"({"weight_map":{"a":"../model-00001-of-00002.safetensors"}})");
    CHECK(error_of([&] { st::Checkpoint::open(dir.path); }) ==
          index + ": error: shard \"../model-00001-of-00002.safetensors\" is not a file name inside the checkpoint folder");
    write_bytes(index, R"({"weight_map":{"a":"x","a":"y"}})");
    CHECK(error_of([&] { st::Checkpoint::open(dir.path); }) ==
          index + ": error: the index entry \"weight_map\" has the key \"a\" twice");
    write_bytes(index, R"({"weight_map":[]})");
    CHECK(error_of([&] { st::Checkpoint::open(dir.path); }) ==
          index + ": error: the index must be a JSON object with a \"weight_map\" object (tensor name → shard file)");
  }

  SECTION("pickle only, nothing, or no folder") {
    write_bytes(dir / "pytorch_model.bin", "pickle");
    const std::string folder = dir.path.string();
    CHECK(error_of([&] { st::Checkpoint::open(dir.path); }) ==
          folder + ": error: this folder holds only pickle checkpoints (pytorch_model.bin), which tunepipe does not "
                   "load (unpickling can run arbitrary code). Convert it to safetensors once with:\n  python -c "
                   "\"import transformers as t; t.AutoModelForCausalLM.from_pretrained('" + folder +
                   "').save_pretrained('" + folder + "-safetensors', safe_serialization=True); "
                   "t.AutoTokenizer.from_pretrained('" + folder + "').save_pretrained('" + folder + "-safetensors')\"");
    fs::remove(dir / "pytorch_model.bin");
    CHECK(error_of([&] { st::Checkpoint::open(dir.path); }) ==
          folder + ": error: no model.safetensors, model.safetensors.index.json or other .safetensors file in this "
                   "folder");
    CHECK(error_of([&] { st::Checkpoint::open(dir / "missing"); }) ==
          dir / "missing" + ": error: no such checkpoint folder");
  }
}

TEST_CASE("a header nested past the depth limit is refused before a message dumps it", "[safetensors]") {
  // 200,000 levels used to overflow the stack while the "shape must be an array" message was built.
  TempDir dir;
  const std::string path = dir / "deep.safetensors";
  write_raw(path, R"({"w": {"dtype": "F32", "shape": )" + std::string(200'000, '[') + std::string(200'000, ']') +
                      R"(, "data_offsets": [0, 0]}})");
  CHECK(open_error(path) ==
        path + ": error: the header nests arrays and objects deeper than 128 levels (the most tunepipe reads)");
  write_raw(path, R"({"w": {"dtype": "F32", "shape": [1e999], "data_offsets": [0, 4]}})", "abcd");
  CHECK(open_error(path) == path + ": error: the header is not valid JSON: number overflow parsing '1e999'");
}
