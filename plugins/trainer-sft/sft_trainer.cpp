#include "sft_trainer.hpp"

#include "training_loop.hpp"

namespace tp::sft {

SftTrainer::SftTrainer(const Options& options, const StageContext& context)
    : options_(SftOptions::read(options)), context_(context) {}

TrainingResult SftTrainer::train(TrainingJob& job) { return TrainingLoop(options_, context_, job).run(); }

}  // namespace tp::sft
