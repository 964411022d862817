#pragma once
// The `lora` adapter stage: LoRA (and rsLoRA) on the model's projections,
// fresh or from a PEFT adapter folder.
#include <cstdint>
#include <string>

#include "lora_config.hpp"
#include "tunepipe/adapter.hpp"
#include "tunepipe/options.hpp"

namespace tp::lora {

class LoraStage : public AdapterStage {
 public:
  LoraStage(const Options& options, const StageContext& context);
  static OptionSchema schema();
  static void validate(const Options& options, Diagnostics& errors);

  std::shared_ptr<AttachedAdapter> attach(std::shared_ptr<CausalLM> model) const override;
  std::shared_ptr<AttachedAdapter> load(std::shared_ptr<CausalLM> model,
                                        const std::filesystem::path& dir) const override;

 private:
  LoraConfig config_;
  std::string init_;
  Location targets_where_;
  Location init_where_;
  std::uint64_t seed_;
};

}  // namespace tp::lora
