#pragma once
// The prompt-tuning keys of adapter_config.json (peft's PromptTuningConfig).
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "adapter_config_file.hpp"

namespace tp::prompt_tuning {

inline constexpr const char* kPeftType = "PROMPT_TUNING";

struct PromptTuningInit {
  std::string method = "RANDOM";  // peft's prompt_tuning_init: "RANDOM", "TEXT", "SAMPLE_VOCAB"
  std::optional<std::string> text;
  std::optional<std::string> tokenizer_name_or_path;

  // Added to the shared fields of the saved config.
  void add_to(nlohmann::json& config) const;
};

PromptTuningInit read_prompt_tuning_init(const prompt::AdapterConfigFile& file);

}  // namespace tp::prompt_tuning
