#include "export_base.hpp"

#include <fmt/format.h>

#include "tunepipe/chat_template.hpp"
#include "tunepipe/error.hpp"
#include "tunepipe/gguf_tokenizer_export.hpp"
#include "tunepipe/rope_factors.hpp"

namespace tp::core::cli {
namespace {

using gguf::Value;
using gguf::ValueType;

// Keys that describe how a file stores its tensors, which the export decides anew.
bool describes_storage(const std::string& key) {
  return key == "general.alignment" || key == "general.file_type" || key == "general.quantization_version";
}

std::string hf_architecture_names() {
  std::string names;
  for (const gguf::Architecture& a : gguf::architectures())
    names += (names.empty() ? "" : ", ") + std::string(a.hf_name);
  return names;
}

// "models/Qwen2-0.5B/" → "Qwen2-0.5B".
std::string folder_name(const std::filesystem::path& folder) {
  const std::filesystem::path path = std::filesystem::absolute(folder).lexically_normal();
  return (path.has_filename() ? path : path.parent_path()).filename().string();
}

Value count(std::int64_t value) { return Value::make_unsigned(ValueType::uint32, static_cast<std::uint64_t>(value)); }
Value real(double value) { return Value::make_float(ValueType::float32, value); }

// The hyperparameters under "<arch>.", as the converter names them (gguf-py's Keys.LLM / Keys.Attention / Keys.Rope).
std::vector<std::pair<std::string, Value>> architecture_entries(const std::filesystem::path& folder,
                                                                const std::string& arch, const DecoderConfig& config) {
  const std::string prefix = arch + ".";
  std::vector<std::pair<std::string, Value>> entries{
      {"general.architecture", Value::make_string(arch)},
      {"general.name", Value::make_string(folder_name(folder))},
      {prefix + "vocab_size", count(config.vocab_size)},
      {prefix + "context_length", count(config.max_position_embeddings)},
      {prefix + "embedding_length", count(config.hidden_size)},
      {prefix + "block_count", count(config.num_layers)},
      {prefix + "feed_forward_length", count(config.intermediate_size)},
      {prefix + "attention.head_count", count(config.num_heads)},
      {prefix + "attention.head_count_kv", count(config.num_kv_heads)},
      {prefix + "attention.layer_norm_rms_epsilon", real(config.rms_norm_eps)},
      {prefix + "rope.freq_base", real(config.rope_theta)},
      {prefix + "rope.dimension_count", count(config.head_dim)},
  };
  if (config.head_dim * config.num_heads != config.hidden_size) {
    entries.emplace_back(prefix + "attention.key_length", count(config.head_dim));
    entries.emplace_back(prefix + "attention.value_length", count(config.head_dim));
  }
  const RopeScaling& scaling = config.rope_scaling;
  if (scaling.type == "linear") {
    entries.emplace_back(prefix + "rope.scaling.type", Value::make_string("linear"));
    entries.emplace_back(prefix + "rope.scaling.factor", real(scaling.factor));
  } else if (!scaling.type.empty() && scaling.type != "llama3") {  // llama3: rope_freqs.weight
    throw Error(Location{(folder / "config.json").string()},
                fmt::format("\"rope_scaling\": type \"{}\" is not exported to GGUF (supported: none, linear, llama3)",
                            scaling.type));
  }
  return entries;
}

}  // namespace

ExportBase gguf_export_base(std::shared_ptr<const gguf::File> file) {
  const std::string name = file->metadata().get_string("general.architecture");
  const gguf::Architecture* architecture = gguf::find_architecture(name);
  if (architecture == nullptr)
    throw Error(Location{file->path().string()},
                fmt::format("\"general.architecture\": \"{}\" cannot be exported (supported: {})", name,
                            gguf::architecture_names()));
  std::vector<std::pair<std::string, Value>> entries;
  for (const auto& [key, value] : file->metadata().entries())
    if (!describes_storage(key)) entries.emplace_back(key, value);
  return ExportBase{.path = file->path(),
                    .architecture = architecture,
                    .metadata = gguf::Metadata(file->path(), std::move(entries)),
                    .alignment = file->alignment(),
                    .file = std::move(file)};
}

ExportBase hf_export_base(const std::filesystem::path& folder, const DecoderConfig& config) {
  const gguf::Architecture* architecture = gguf::find_hf_architecture(config.architecture);
  if (architecture == nullptr)
    throw Error(Location{(folder / "config.json").string()},
                fmt::format("\"architectures\": {} cannot be exported to GGUF (supported: {})", config.architecture,
                            hf_architecture_names()));
  std::vector<std::pair<std::string, Value>> entries =
      architecture_entries(folder, std::string(architecture->name), config);
  for (auto& entry : gguf::tokenizer_entries(folder, config.vocab_size)) entries.push_back(std::move(entry));
  if (const std::optional<ModelChatTemplate> chat_template = read_chat_template(folder))
    entries.emplace_back("tokenizer.chat_template", Value::make_string(chat_template->source));
  ExportBase base{.path = folder, .architecture = architecture, .metadata = gguf::Metadata(folder, std::move(entries))};
  if (config.rope_scaling.type == "llama3") {
    std::vector<float> factors;
    for (const double factor : llama3_rope_factors(config.rope_scaling, config.head_dim, config.rope_theta))
      factors.push_back(static_cast<float>(factor));
    base.extra_tensors.emplace_back("rope_freqs.weight", std::move(factors));
  }
  return base;
}

}  // namespace tp::core::cli
