#pragma once
// The AttachedAdapter of every prompt method: the virtual-token wrapper as its
// model, the prompt module's tensors as its parameters, peft's folder layout.
#include <filesystem>
#include <memory>

#include <nlohmann/json.hpp>

#include "prompt_module.hpp"
#include "virtual_token_lm.hpp"
#include "tunepipe/attached_adapter.hpp"

namespace tp::prompt {

// Holds the encoder weights of an adapter whose prompt module has_encoder():
// peft ignores the file, our load() uses it, so training resumes exactly.
inline constexpr const char* kEncoderFile = kTrainableWeightsFile;

class PromptAdapter : public AttachedAdapter {
 public:
  // `config` is the whole adapter_config.json to save, as peft writes it.
  PromptAdapter(std::shared_ptr<CausalLM> base, std::shared_ptr<PromptModule> prompt, Placement placement,
                std::int64_t num_virtual_tokens, nlohmann::json config);

  std::shared_ptr<CausalLM> model() const override { return model_; }
  std::vector<std::pair<std::string, at::Tensor>> parameters() const override { return prompt_->parameters(); }
  void set_training(bool training) override { prompt_->set_training(training); }
  void set_enabled(bool enabled) override { model_->set_enabled(enabled); }
  // adapter_config.json and adapter_model.safetensors (prompt_embeddings: the
  // virtual tokens as computed without dropout), plus kEncoderFile when the
  // module has an encoder; a stale kEncoderFile of an earlier save is removed.
  void save(const std::filesystem::path& dir) const override;
  void merge() override;

 private:
  std::shared_ptr<PromptModule> prompt_;
  std::shared_ptr<VirtualTokenLM> model_;
  nlohmann::json config_;
};

}  // namespace tp::prompt
