#pragma once
// Adapter stage: puts trainable parameters on a model (fresh, or from a saved
// PEFT-format folder). What it attaches is an AttachedAdapter
// (tunepipe/attached_adapter.hpp, libtorch side).
#include <filesystem>
#include <memory>
#include <string>

#include "tunepipe/stage.hpp"

namespace tp {

class CausalLM;         // tunepipe/causal_lm.hpp
class AttachedAdapter;  // tunepipe/attached_adapter.hpp

class AdapterStage : public Stage {
 public:
  static constexpr const char* kind_name = "adapter";
  // New parameters shaped and initialised by the stage's options and the
  // run's seed (or copied from the folder its `init` option names).
  virtual std::shared_ptr<AttachedAdapter> attach(std::shared_ptr<CausalLM> model) const = 0;
  // A saved adapter folder onto the model; its adapter_config.json decides the
  // shape, the stage's options do not.
  virtual std::shared_ptr<AttachedAdapter> load(std::shared_ptr<CausalLM> model,
                                                const std::filesystem::path& dir) const = 0;
};

// The adapter plugin that reads a folder whose adapter_config.json has this
// "peft_type" ("LORA" → "lora", "PREFIX_TUNING" → "prefix", …); empty if none.
std::string adapter_plugin_for_peft_type(const std::string& peft_type);

}  // namespace tp
