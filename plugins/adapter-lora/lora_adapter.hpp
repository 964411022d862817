#pragma once
// A LoRA adapter living in the model's projections: one LoraDelta per target.
#include <filesystem>
#include <memory>
#include <vector>

#include "lora_config.hpp"
#include "lora_delta.hpp"
#include "lora_weights.hpp"
#include "target_selection.hpp"
#include "tunepipe/attached_adapter.hpp"
#include "tunepipe/causal_lm.hpp"

namespace tp::lora {

class LoraAdapter : public AttachedAdapter {
 public:
  // Copies each target's weights to fp32 trainable tensors on the device of its
  // projection and attaches them.
  LoraAdapter(std::shared_ptr<CausalLM> model, LoraConfig config, const std::vector<Target>& targets,
              const std::vector<LoraWeights>& weights);

  std::shared_ptr<CausalLM> model() const override { return model_; }
  std::vector<std::pair<std::string, at::Tensor>> parameters() const override;
  void set_training(bool training) override;
  void set_enabled(bool enabled) override;
  void save(const std::filesystem::path& dir) const override;
  void merge() override;

 private:
  struct Module {
    std::string name;
    AdaptableLinear* linear;
    std::shared_ptr<LoraDelta> delta;
  };
  std::shared_ptr<CausalLM> model_;
  LoraConfig config_;
  std::vector<Module> modules_;
  bool merged_ = false;
  bool enabled_ = true;
};

}  // namespace tp::lora
