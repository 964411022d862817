#include "gguf_lora_export.hpp"

#include <ATen/ATen.h>
#include <fmt/format.h>

#include <cmath>
#include <map>
#include <set>
#include <string>
#include <string_view>

#include "gguf_export.hpp"
#include "tunepipe/error.hpp"
#include "tunepipe/gguf_names.hpp"
#include "tunepipe/gguf_writer.hpp"
#include "tunepipe/json_input.hpp"

namespace tp::core::cli {
namespace {

constexpr std::string_view kPeftPrefix = "base_model.model.";
constexpr std::string_view kSuffixA = ".lora_A.weight";
constexpr std::string_view kSuffixB = ".lora_B.weight";

struct LoraPair {
  at::Tensor a, b;  // lora_A [r, in], lora_B [out, r]
};

// "base_model.model.<module>.lora_A.weight" → <module>, A or B.
std::map<std::string, LoraPair> pairs_by_module(const AttachedAdapter& adapter) {
  std::map<std::string, LoraPair> pairs;
  for (const auto& [name, tensor] : adapter.parameters()) {
    const bool a = name.ends_with(kSuffixA), b = name.ends_with(kSuffixB);
    if (!name.starts_with(kPeftPrefix) || (!a && !b))
      throw Error(fmt::format("adapter tensor \"{}\" is not a LoRA matrix: --format gguf-lora writes LoRA adapters",
                              name));
    const std::string module = name.substr(kPeftPrefix.size(), name.size() - kPeftPrefix.size() - kSuffixA.size());
    (a ? pairs[module].a : pairs[module].b) = tensor.detach().to(at::kCPU, at::kFloat).contiguous();
  }
  return pairs;
}

// llama.cpp scales by alpha / r: rsLoRA's alpha / √r is alpha · √r over r.
double gguf_alpha(const std::filesystem::path& adapter_dir) {
  const std::filesystem::path file = adapter_dir / "adapter_config.json";
  const nlohmann::json config = read_json_file(file);
  for (const char* key : {"rank_pattern", "alpha_pattern"})
    if (config.contains(key) && !config[key].is_null() && !config[key].empty())
      throw Error(Location{file.string()},
                  fmt::format("\"{}\": ranks or alphas per module cannot be written as one adapter.lora.alpha", key));
  if (!config.contains("r") || !config["r"].is_number_integer() || !config.contains("lora_alpha") ||
      !config["lora_alpha"].is_number())
    throw Error(Location{file.string()}, "a LoRA adapter_config.json needs \"r\" and \"lora_alpha\"");
  const double alpha = config["lora_alpha"].get<double>();
  const bool rslora = config.contains("use_rslora") && config["use_rslora"].is_boolean() &&
                      config["use_rslora"].get<bool>();
  return rslora ? alpha * std::sqrt(config["r"].get<double>()) : alpha;
}

std::vector<std::byte> encoded(const at::Tensor& matrix, gguf::GgmlType type) {
  const std::span<const float> values(matrix.data_ptr<float>(), static_cast<std::size_t>(matrix.numel()));
  return gguf::quantize(type, values, matrix.size(-1));
}

}  // namespace

void write_gguf_lora(const AttachedAdapter& adapter, const std::filesystem::path& adapter_dir,
                     const DecoderConfig& config, const ExportBase& base, gguf::GgmlType type,
                     const std::filesystem::path& out) {
  const gguf::Architecture& architecture = *base.architecture;
  std::set<std::string> base_tensors;  // of a GGUF base; a folder's are the model's, which the adapter was put on
  if (base.file)
    for (const gguf::TensorInfo& info : base.file->tensors()) base_tensors.insert(info.name);

  gguf::Writer writer(base.alignment);
  writer.add("general.architecture", gguf::Value::make_string(std::string(architecture.name)));
  writer.add("general.type", gguf::Value::make_string("adapter"));
  writer.add("adapter.type", gguf::Value::make_string("lora"));
  writer.add("adapter.lora.alpha", gguf::Value::make_float(gguf::ValueType::float32, gguf_alpha(adapter_dir)));
  for (auto& [module, pair] : pairs_by_module(adapter)) {
    if (!pair.a.defined() || !pair.b.defined())
      throw Error(fmt::format("adapter module \"{}\" lacks its lora_{} matrix", module, pair.a.defined() ? "B" : "A"));
    const std::string name = gguf::tensor_name(module + ".weight");
    if (name.empty() || (base.file && !base_tensors.contains(name)))
      throw Error(Location{base.path.string()},
                  fmt::format("the adapter targets \"{}\", which has no tensor in the file", module));
    const at::Tensor b = in_gguf_row_order(architecture, name, pair.b, config);
    writer.add_tensor(name + ".lora_a", type, pair.a.sizes().vec(), encoded(pair.a, type));
    writer.add_tensor(name + ".lora_b", type, b.sizes().vec(), encoded(b, type));
  }
  writer.write(out);
}

}  // namespace tp::core::cli
