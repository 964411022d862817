#pragma once
// The `sft` trainer stage: supervised fine-tuning of an attached adapter on
// tokenized samples, as HF Trainer does it.
#include "sft_options.hpp"
#include "tunepipe/options.hpp"
#include "tunepipe/trainer.hpp"

namespace tp::sft {

class SftTrainer : public TrainerStage {
 public:
  SftTrainer(const Options& options, const StageContext& context);
  static OptionSchema schema() { return SftOptions::schema(); }
  static void validate(const Options& options, Diagnostics& errors) { SftOptions::validate(options, errors); }

  TrainingResult train(TrainingJob& job) override;

 private:
  SftOptions options_;
  StageContext context_;
};

}  // namespace tp::sft
