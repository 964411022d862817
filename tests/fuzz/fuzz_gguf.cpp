// GGUF files (sdk/src/gguf): the input is a whole file image. File::parse
// runs the checks File::open runs on the mapped file; then every metadata
// value goes through each typed getter, every tensor's raw bytes are read
// and, where its type allows, dequantized, and the tokenizer the metadata
// describes is built and used.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "fuzz_support.hpp"
#include "tunepipe/gguf.hpp"
#include "tunepipe/gguf_tokenizer.hpp"

namespace {

void read_every_way(const tp::gguf::Metadata& metadata, const std::string& key) {
  // Each getter either returns or throws tp::Error for a value of another type.
  tp::fuzz::expect_tp_errors_only("get_string", [&] { metadata.get_string(key); });
  tp::fuzz::expect_tp_errors_only("get_integer", [&] { metadata.get_integer(key, -1000, 1000); });
  tp::fuzz::expect_tp_errors_only("get_float", [&] { metadata.get_float(key); });
  tp::fuzz::expect_tp_errors_only("get_bool", [&] { metadata.get_bool(key); });
  tp::fuzz::expect_tp_errors_only("get_string_array", [&] { metadata.get_string_array(key); });
  tp::fuzz::expect_tp_errors_only("get_integer_array", [&] { metadata.get_integer_array(key, 0, 1 << 20); });
  tp::fuzz::expect_tp_errors_only("get_float_array", [&] { metadata.get_float_array(key); });
}

// The tokenizer.ggml.* metadata is on the trust boundary as much as the header.
void use_tokenizer(const tp::gguf::File& file) {
  tp::fuzz::expect_tp_errors_only("gguf::load_tokenizer", [&] {
    const auto tokenizer = tp::gguf::load_tokenizer(file);
    // Every id names one of the file's tokens (a row of the model's embedding).
    const std::size_t tokens = file.metadata().get_string_array("tokenizer.ggml.tokens").size();
    const std::vector<std::int32_t> ids = tokenizer->encode("hello <|end|> 12 héllo\n", true);
    for (const std::int32_t id : ids)
      if (id < 0 || static_cast<std::size_t>(id) >= tokens) __builtin_trap();
    (void)tokenizer->decode(ids, false);
  });
  tp::fuzz::expect_tp_errors_only("gguf::chat_template", [&] { (void)tp::gguf::chat_template(file); });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::byte> image(reinterpret_cast<const std::byte*>(data), size);
  tp::fuzz::expect_tp_errors_only("gguf::File::parse", [&] {
    const auto file = tp::gguf::File::parse(image, "fuzz.gguf");
    for (const auto& [key, value] : file->metadata().entries()) read_every_way(file->metadata(), key);
    for (const tp::gguf::TensorInfo& info : file->tensors()) {
      // What every reader of the bytes relies on: they lie inside the image.
      const std::span<const std::byte> raw = file->raw_bytes(info);
      if (raw.data() < image.data() || raw.data() + raw.size() > image.data() + image.size()) __builtin_trap();
      if (!tp::gguf::can_dequantize(info.type)) continue;
      std::vector<float> values(info.element_count);
      file->dequantize(info, values);
    }
    use_tokenizer(*file);
  });
  return 0;
}
