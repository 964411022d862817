#include "prompt_learning_config.hpp"

#include <fmt/format.h>

namespace tp::prompt {

nlohmann::json PromptLearningConfig::to_json() const {
  return {
      {"peft_type", peft_type},
      {"task_type", "CAUSAL_LM"},
      {"auto_mapping", nullptr},
      {"base_model_name_or_path", base_model_name_or_path},
      {"revision", nullptr},
      {"inference_mode", true},
      {"modules_to_save", nullptr},
      {"num_virtual_tokens", num_virtual_tokens},
      {"token_dim", token_dim},
      {"num_transformer_submodules", 1},
      {"num_attention_heads", num_attention_heads},
      {"num_layers", num_layers},
  };
}

PromptLearningConfig config_for_model(const DecoderConfig& model, const std::string& peft_type,
                                      std::int64_t num_virtual_tokens, Placement placement) {
  PromptLearningConfig config;
  config.peft_type = peft_type;
  config.num_virtual_tokens = num_virtual_tokens;
  config.num_layers = model.num_layers;
  if (placement == Placement::LayerPrefix) {
    config.token_dim = model.num_kv_heads * model.head_dim;
    config.num_attention_heads = model.num_kv_heads;
  } else {
    config.token_dim = model.hidden_size;
    config.num_attention_heads = model.num_heads;
  }
  if (!model.source.empty()) config.base_model_name_or_path = model.source;
  return config;
}

PromptLearningConfig read_prompt_learning_config(const AdapterConfigFile& file, const std::string& peft_type,
                                                 const DecoderConfig& model, Placement placement) {
  file.expect_type(peft_type);
  if (const std::int64_t submodules = file.integer("num_transformer_submodules", 1); submodules != 1)
    file.fail(fmt::format("\"num_transformer_submodules\" is {}: only 1 (decoder-only models) is supported",
                          submodules));
  const PromptLearningConfig expected =
      config_for_model(model, peft_type, file.positive_integer("num_virtual_tokens"), placement);
  PromptLearningConfig config = expected;
  config.token_dim = file.integer("token_dim", expected.token_dim);
  config.num_layers = file.integer("num_layers", expected.num_layers);
  config.num_attention_heads = file.integer("num_attention_heads", expected.num_attention_heads);
  config.base_model_name_or_path = file.json().value("base_model_name_or_path", nlohmann::json());
  const std::string what = placement == Placement::LayerPrefix
                               ? fmt::format("key/value heads × head_dim = {} × {}", model.num_kv_heads, model.head_dim)
                               : std::string("hidden_size");
  if (config.token_dim != expected.token_dim)
    file.fail(fmt::format("\"token_dim\" is {} but the model's {} is {}: the adapter was made for another model",
                          config.token_dim, what, expected.token_dim));
  if (placement == Placement::LayerPrefix) {
    if (config.num_layers != expected.num_layers)
      file.fail(fmt::format("\"num_layers\" is {} but the model has {} layers: the adapter was made for another model",
                            config.num_layers, expected.num_layers));
    if (config.num_attention_heads != expected.num_attention_heads)
      file.fail(fmt::format("\"num_attention_heads\" is {} but the model has {} key/value heads: the adapter was made "
                            "for another model",
                            config.num_attention_heads, expected.num_attention_heads));
  }
  return config;
}

}  // namespace tp::prompt
