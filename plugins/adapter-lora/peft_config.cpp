#include "peft_config.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "tunepipe/atomic_file.hpp"
#include "tunepipe/error.hpp"
#include "tunepipe/json_input.hpp"

namespace tp::lora {
namespace {

using nlohmann::json;

// Keys whose non-empty values change the computation; this plugin implements none of them.
constexpr std::pair<const char*, const char*> kUnsupported[] = {
    {"use_dora", "DoRA"},
    {"fan_in_fan_out", "transposed (Conv1D) weights"},
    {"lora_bias", "a trained bias in lora_B"},
    {"rank_pattern", "per-module ranks"},
    {"alpha_pattern", "per-module alphas"},
    {"modules_to_save", "fully trained module copies"},
    {"exclude_modules", "excluded modules"},
    {"layer_replication", "replicated layers"},
    {"target_parameters", "targeted parameters"},
    {"trainable_token_indices", "trainable token embeddings"},
    {"use_qalora", "QALoRA"},
    {"alora_invocation_tokens", "activated LoRA (aLoRA)"},
    {"use_bdlora", "block-diagonal LoRA"},
    {"velora_config", "VeLoRA"},
    {"kasa_config", "KaSA"},
    {"monteclora_config", "MonteCLoRA"},
    {"arrow_config", "Arrow routing"},
};

bool is_set(const json& value) {
  if (value.is_null()) return false;
  if (value.is_boolean()) return value.get<bool>();
  if (value.is_object() || value.is_array() || value.is_string()) return !value.empty() && value != "";
  return true;
}

class ConfigReader {
 public:
  ConfigReader(json config, std::filesystem::path file) : config_(std::move(config)), file_(std::move(file)) {}

  [[noreturn]] void fail(const std::string& message) const { throw Error(Location{file_.string()}, message); }

  const json* find(const char* key) const {
    const auto it = config_.find(key);
    return it == config_.end() || it->is_null() ? nullptr : &*it;
  }

  double number(const char* key, double fallback) const {
    const json* value = find(key);
    if (value == nullptr) return fallback;
    if (!value->is_number()) fail(fmt::format("\"{}\" must be a number, not {}", key, value->dump()));
    return value->get<double>();
  }

  bool flag(const char* key) const {
    const json* value = find(key);
    if (value == nullptr) return false;
    if (!value->is_boolean()) fail(fmt::format("\"{}\" must be true or false, not {}", key, value->dump()));
    return value->get<bool>();
  }

  // A string or a list of strings, as a list; empty when absent.
  std::vector<std::string> strings(const char* key) const {
    const json* value = find(key);
    if (value == nullptr) return {};
    if (value->is_string()) return {value->get<std::string>()};
    if (value->is_array() && std::all_of(value->begin(), value->end(), [](const json& v) { return v.is_string(); }))
      return value->get<std::vector<std::string>>();
    fail(fmt::format("\"{}\" must be a string or a list of strings, not {}", key, value->dump()));
  }

  std::optional<std::vector<std::int64_t>> integers(const char* key) const {
    const json* value = find(key);
    if (value == nullptr) return std::nullopt;
    if (value->is_number_integer()) return std::vector<std::int64_t>{value->get<std::int64_t>()};
    if (value->is_array() &&
        std::all_of(value->begin(), value->end(), [](const json& v) { return v.is_number_integer(); }))
      return value->get<std::vector<std::int64_t>>();
    fail(fmt::format("\"{}\" must be an integer or a list of integers, not {}", key, value->dump()));
  }

  void reject_unsupported() const {
    for (const auto& [key, what] : kUnsupported)
      if (const json* value = find(key); value != nullptr && is_set(*value))
        fail(fmt::format("\"{}\": {} ({}) is not supported by the lora plugin; it loads plain LoRA and rsLoRA adapters",
                         key, value->dump(), what));
    if (const json* bias = find("bias"); bias != nullptr && *bias != "none")
      fail(fmt::format("\"bias\": {} is not supported by the lora plugin; only \"none\" is (no bias is trained)",
                       bias->dump()));
    if (const json* init = find("init_lora_weights"); init != nullptr && *init == "mica")
      fail("\"init_lora_weights\": \"mica\" (a LoRA variant) is not supported by the lora plugin");
  }

  TargetSpec targets() const {
    const json* value = find("target_modules");
    if (value == nullptr) fail("\"target_modules\" is missing: the config does not say which modules it adapts");
    TargetSpec spec = value->is_string() ? target_spec_from_string(value->get<std::string>())
                                         : target_spec_from_names(strings("target_modules"));
    if (const std::string problem = target_spec_problem(spec); !problem.empty())
      fail("\"target_modules\": " + problem);
    return spec;
  }

 private:
  json config_;
  std::filesystem::path file_;
};

json parse_file(const std::filesystem::path& file) {
  json config = read_json_file(file);
  if (!config.is_object()) throw Error(Location{file.string()}, "expected a JSON object");
  return config;
}

json number_as_saved(double value) {
  return value == std::floor(value) && std::abs(value) < 1e15 ? json(static_cast<std::int64_t>(value)) : json(value);
}

}  // namespace

LoraConfig read_peft_config(const std::filesystem::path& dir) {
  const std::filesystem::path file = dir / "adapter_config.json";
  if (!std::filesystem::exists(file))
    throw Error(Location{dir.string()}, "no adapter_config.json: not a PEFT adapter folder");
  const json raw = parse_file(file);
  const ConfigReader config(raw, file);
  if (const auto type = raw.value("peft_type", json()); type != "LORA")
    config.fail(fmt::format("\"peft_type\" is {}, not \"LORA\"", type.dump()));
  config.reject_unsupported();

  LoraConfig lora;
  const double r = config.number("r", 8);
  if (r < 1 || r != std::floor(r)) config.fail(fmt::format("\"r\" must be a positive integer, not {}", r));
  lora.r = static_cast<std::int64_t>(r);
  lora.alpha = config.number("lora_alpha", 8);
  lora.dropout = config.number("lora_dropout", 0);
  if (lora.dropout < 0 || lora.dropout > 1)
    config.fail(fmt::format("\"lora_dropout\" must be between 0 and 1, not {}", lora.dropout));
  lora.use_rslora = config.flag("use_rslora");
  lora.targets = config.targets();
  lora.layers = config.integers("layers_to_transform");
  lora.layers_pattern = config.strings("layers_pattern");
  if (lora.targets.kind != TargetSpec::Kind::Names && (lora.layers || !lora.layers_pattern.empty()))
    config.fail("\"layers_to_transform\" and \"layers_pattern\" cannot be used when \"target_modules\" is a string");
  lora.init_lora_weights = raw.value("init_lora_weights", json(true));
  lora.base_model_name_or_path = raw.value("base_model_name_or_path", json());
  return lora;
}

void write_peft_config(const LoraConfig& config, const std::vector<std::string>& modules,
                       const std::filesystem::path& file) {
  json targets;
  switch (config.targets.kind) {
    case TargetSpec::Kind::Regex: targets = config.targets.regex; break;
    case TargetSpec::Kind::AllLinear: targets = modules; break;
    case TargetSpec::Kind::Names: {
      std::vector<std::string> names = config.targets.names;
      std::sort(names.begin(), names.end());
      targets = names;
    }
  }
  json layers_pattern = nullptr;
  if (config.layers_pattern.size() == 1) layers_pattern = config.layers_pattern[0];
  if (config.layers_pattern.size() > 1) layers_pattern = config.layers_pattern;
  const json saved = {
      {"peft_type", "LORA"},
      {"task_type", "CAUSAL_LM"},
      {"base_model_name_or_path", config.base_model_name_or_path},
      {"revision", nullptr},
      {"inference_mode", true},
      {"r", config.r},
      {"lora_alpha", number_as_saved(config.alpha)},
      {"lora_dropout", config.dropout},
      {"use_rslora", config.use_rslora},
      {"target_modules", targets},
      {"layers_to_transform", config.layers ? json(*config.layers) : json(nullptr)},
      {"layers_pattern", layers_pattern},
      {"bias", "none"},
      {"fan_in_fan_out", false},
      {"use_dora", false},
      {"init_lora_weights", config.init_lora_weights},
      {"modules_to_save", nullptr},
      {"rank_pattern", json::object()},
      {"alpha_pattern", json::object()},
  };
  write_file_atomically(file, saved.dump(2) + '\n');
}

}  // namespace tp::lora
