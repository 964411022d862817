#include "prompt_tuning_config.hpp"

namespace tp::prompt_tuning {

void PromptTuningInit::add_to(nlohmann::json& config) const {
  config["prompt_tuning_init"] = method;
  config["prompt_tuning_init_text"] = text ? nlohmann::json(*text) : nlohmann::json(nullptr);
  config["tokenizer_name_or_path"] = tokenizer_name_or_path ? nlohmann::json(*tokenizer_name_or_path) : nullptr;
  config["tokenizer_kwargs"] = nullptr;
}

PromptTuningInit read_prompt_tuning_init(const prompt::AdapterConfigFile& file) {
  PromptTuningInit init;
  init.method = file.string("prompt_tuning_init").value_or("RANDOM");
  init.text = file.string("prompt_tuning_init_text");
  init.tokenizer_name_or_path = file.string("tokenizer_name_or_path");
  return init;
}

}  // namespace tp::prompt_tuning
