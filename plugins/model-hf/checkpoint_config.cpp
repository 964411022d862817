#include "checkpoint_config.hpp"

#include <fmt/format.h>

#include "decoder_config.hpp"
#include "tunepipe/error.hpp"
#include "tunepipe/json_input.hpp"

namespace tp::hf {
namespace fs = std::filesystem;

ModelInfo read_model_info(const fs::path& dir) {
  ModelInfo info;
  info.path = dir;
  const fs::path file = dir / "config.json";
  if (!fs::exists(file)) return info;
  const nlohmann::json config = read_json_file(file);
  if (!config.is_object()) throw Error(Location{file.string()}, "expected a JSON object");
  auto integer = [&](const char* key) -> std::int64_t {
    if (!config.contains(key)) return 0;
    if (!config[key].is_number_integer())
      throw Error(Location{file.string()}, fmt::format("\"{}\" must be an integer", key));
    return config[key].get<std::int64_t>();
  };
  if (config.contains("architectures") && config["architectures"].is_array() && !config["architectures"].empty() &&
      config["architectures"][0].is_string())
    info.architecture = config["architectures"][0].get<std::string>();
  if (config.contains("model_type") && config["model_type"].is_string())
    info.model_type = config["model_type"].get<std::string>();
  info.vocab_size = integer("vocab_size");
  info.hidden_size = integer("hidden_size");
  info.num_layers = integer("num_hidden_layers");
  return info;
}

decoder::DecoderDescription read_decoder_description(const fs::path& dir) {
  const fs::path file = dir / "config.json";
  if (!fs::exists(file)) throw Error(Location{file.string()}, "missing (an HF checkpoint folder needs its config.json)");
  decoder::DecoderDescription description = decoder::describe_decoder(read_json_file(file), file.string());
  description.config.source = dir.string();
  return description;
}

std::string vocab_size_origin(const ModelInfo& info) {
  return fmt::format("\"vocab_size\": {} in {}", info.vocab_size, (info.path / "config.json").string());
}

std::string missing_tokenizer_files(const fs::path& dir) {
  if (fs::exists(dir / "tokenizer.json") || fs::exists(dir / "tokenizer.model") ||
      (fs::exists(dir / "vocab.json") && fs::exists(dir / "merges.txt")))
    return {};
  return "no tokenizer in the folder: expected tokenizer.json, tokenizer.model, or vocab.json with merges.txt";
}

}  // namespace tp::hf
