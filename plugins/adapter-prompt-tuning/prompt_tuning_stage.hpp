#pragma once
// The `prompt-tuning` adapter stage: num_virtual_tokens trainable embeddings
// before every input (peft's PROMPT_TUNING), fresh or from a PEFT folder.
#include <cstdint>
#include <string>

#include "tunepipe/adapter.hpp"
#include "tunepipe/options.hpp"

namespace tp::prompt_tuning {

class PromptTuningStage : public AdapterStage {
 public:
  PromptTuningStage(const Options& options, const StageContext& context);
  static OptionSchema schema();
  static void validate(const Options& options, Diagnostics& errors);

  std::shared_ptr<AttachedAdapter> attach(std::shared_ptr<CausalLM> model) const override;
  std::shared_ptr<AttachedAdapter> load(std::shared_ptr<CausalLM> model,
                                        const std::filesystem::path& dir) const override;

 private:
  Options options_;
  std::uint64_t seed_;
};

}  // namespace tp::prompt_tuning
