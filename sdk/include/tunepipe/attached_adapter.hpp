#pragma once
// An adapter on a model: its trainable tensors, the model to run with it, and
// its PEFT-format folder.
#include <ATen/core/Tensor.h>

#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace tp {

class CausalLM;

// An adapter whose PEFT file holds what its parameters compute rather than the
// parameters themselves (p-tuning's encoder output, a projected prefix) also
// saves parameters(), by name, in this file of its folder; peft ignores it and
// resuming a training run reads it.
inline constexpr const char* kTrainableWeightsFile = "tunepipe_prompt_encoder.safetensors";

class AttachedAdapter {
 public:
  virtual ~AttachedAdapter() = default;
  // The model to train and generate with: the base itself when the adapter
  // lives in its projections (LoRA), a wrapper around it for prompt adapters.
  virtual std::shared_ptr<CausalLM> model() const = 0;
  // The trainable tensors (requires_grad), named as in the saved
  // adapter_model.safetensors ("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight").
  virtual std::vector<std::pair<std::string, at::Tensor>> parameters() const = 0;
  // Dropout and other training-only behaviour on or off.
  virtual void set_training(bool training) = 0;
  // Off: model() computes exactly what the base model computes (baselines and
  // before/after comparisons); on when attached.
  virtual void set_enabled(bool enabled) = 0;
  // adapter_config.json + adapter_model.safetensors, loadable by peft's
  // PeftModel.from_pretrained; each file written under a temporary name, then renamed.
  virtual void save(const std::filesystem::path& dir) const = 0;
  // Folds the adapter into the base weights and removes it (tunepipe merge);
  // throws tp::Error for adapters that cannot be merged.
  virtual void merge() = 0;
};

// Switches an adapter on or off for a scope; back on when the scope ends.
// A null adapter is left alone.
class AdapterSwitch {
 public:
  AdapterSwitch(AttachedAdapter* adapter, bool enabled) : adapter_(adapter) {
    if (adapter_) adapter_->set_enabled(enabled);
  }
  ~AdapterSwitch() {
    if (adapter_) adapter_->set_enabled(true);
  }
  AdapterSwitch(const AdapterSwitch&) = delete;
  AdapterSwitch& operator=(const AdapterSwitch&) = delete;

 private:
  AttachedAdapter* adapter_;
};

}  // namespace tp
