#pragma once
// The `p-tuning` adapter stage: virtual tokens computed by a trained prompt
// encoder (peft's P_TUNING), fresh or from a folder.
#include <cstdint>

#include "tunepipe/adapter.hpp"
#include "tunepipe/options.hpp"

namespace tp::p_tuning {

class PTuningStage : public AdapterStage {
 public:
  PTuningStage(const Options& options, const StageContext& context);
  static OptionSchema schema();
  static void validate(const Options& options, Diagnostics& errors);

  std::shared_ptr<AttachedAdapter> attach(std::shared_ptr<CausalLM> model) const override;
  std::shared_ptr<AttachedAdapter> load(std::shared_ptr<CausalLM> model,
                                        const std::filesystem::path& dir) const override;

 private:
  Options options_;
  std::uint64_t seed_;
};

}  // namespace tp::p_tuning
