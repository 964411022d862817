#pragma once
// What a LoRA adapter is — rank, scaling, dropout and the projections it
// targets — whether it comes from the stage's options or a PEFT adapter_config.json.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace tp::lora {

// peft's target_modules: names matched against a module's full name or its
// end after a dot ("q_proj"), a regular expression that must match the whole
// module name, or every projection of the decoder ("all-linear").
struct TargetSpec {
  enum class Kind { Names, Regex, AllLinear };
  Kind kind = Kind::Names;
  std::vector<std::string> names;  // Kind::Names
  std::string regex;               // Kind::Regex
};

// A single string is a regex or "all-linear"; a list holds names (a list of
// just "all-linear" also means every projection).
TargetSpec target_spec_from_string(std::string text);
TargetSpec target_spec_from_names(std::vector<std::string> names);
// Empty when the spec is usable; otherwise what is wrong (an invalid regex,
// "all-linear" mixed with names, an empty list).
std::string target_spec_problem(const TargetSpec& spec);

struct LoraConfig {
  std::int64_t r = 8;
  double alpha = 8.0;
  double dropout = 0.0;
  bool use_rslora = false;
  TargetSpec targets;
  std::optional<std::vector<std::int64_t>> layers;  // peft's layers_to_transform; none: every layer
  std::vector<std::string> layers_pattern;          // peft's layers_pattern; empty: the first numbered segment
  nlohmann::json init_lora_weights = true;          // as saved: true (peft's default) or "gaussian"
  nlohmann::json base_model_name_or_path = nullptr;

  // alpha / r, or alpha / √r for rsLoRA.
  double scaling() const;
};

}  // namespace tp::lora
