#pragma once
// The `prefix` adapter stage (P-tuning v2, peft's PREFIX_TUNING): trained keys
// and values every attention layer attends to before the sequence, directly
// or through a projection, fresh or from a folder.
#include <cstdint>

#include "tunepipe/adapter.hpp"
#include "tunepipe/options.hpp"

namespace tp::prefix {

class PrefixStage : public AdapterStage {
 public:
  PrefixStage(const Options& options, const StageContext& context);
  static OptionSchema schema();
  static void validate(const Options& options, Diagnostics& errors);

  std::shared_ptr<AttachedAdapter> attach(std::shared_ptr<CausalLM> model) const override;
  std::shared_ptr<AttachedAdapter> load(std::shared_ptr<CausalLM> model,
                                        const std::filesystem::path& dir) const override;

 private:
  Options options_;
  std::uint64_t seed_;
};

}  // namespace tp::prefix
