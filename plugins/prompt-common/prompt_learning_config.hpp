#pragma once
// The fields every prompt method's adapter_config.json shares (peft's
// PromptLearningConfig), as peft derives them from the model.
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "adapter_config_file.hpp"
#include "tunepipe/causal_lm.hpp"

namespace tp::prompt {

// Where the virtual tokens go: before the input embeddings, or as a key/value
// prefix of every attention layer (whose width peft takes from the key/value
// heads, so that grouped-query attention works).
enum class Placement { InputEmbeddings, LayerPrefix };

struct PromptLearningConfig {
  std::string peft_type;  // "PROMPT_TUNING", "P_TUNING", "PREFIX_TUNING"
  std::int64_t num_virtual_tokens = 0;
  std::int64_t token_dim = 0;
  std::int64_t num_attention_heads = 0;
  std::int64_t num_layers = 0;
  nlohmann::json base_model_name_or_path = nullptr;

  // The JSON object peft writes for these fields, to which a method adds its own.
  nlohmann::json to_json() const;
};

// What peft's _prepare_prompt_learning_config fills in for this model.
PromptLearningConfig config_for_model(const DecoderConfig& model, const std::string& peft_type,
                                      std::int64_t num_virtual_tokens, Placement placement);

// The shared fields of a saved config, checked against the model the adapter
// is loaded onto; tp::Error names the file and key otherwise.
PromptLearningConfig read_prompt_learning_config(const AdapterConfigFile& file, const std::string& peft_type,
                                                 const DecoderConfig& model, Placement placement);

}  // namespace tp::prompt
