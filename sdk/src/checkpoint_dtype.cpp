#include "tunepipe/checkpoint_dtype.hpp"

#include <array>
#include <utility>

#include "tokenizer/json_file.hpp"

namespace tp {

std::string checkpoint_dtype(const std::filesystem::path& dir) {
  const std::filesystem::path file = dir / "config.json";
  if (!std::filesystem::is_regular_file(file)) return "fp32";
  const nlohmann::json config = read_json_file(file);
  static constexpr std::array<std::pair<const char*, const char*>, 3> kNames = {
      {{"float32", "fp32"}, {"bfloat16", "bf16"}, {"float16", "fp16"}}};
  for (const char* key : {"dtype", "torch_dtype"}) {
    const auto it = config.is_object() ? config.find(key) : config.end();
    if (it == config.end() || !it->is_string()) continue;
    for (const auto& [hf, ours] : kNames)
      if (*it == hf) return ours;
  }
  return "fp32";
}

std::string resolve_dtype(const std::string& requested, const std::filesystem::path& dir) {
  return requested == "auto" ? checkpoint_dtype(dir) : requested;
}

}  // namespace tp
