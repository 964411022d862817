#include "sft_trainer.hpp"
#include "tunepipe/plugin.hpp"

TUNEPIPE_PLUGIN(tp::TrainerStage, "sft", "0.1.0", "supervised fine-tuning of an adapter: AdamW, schedules, accumulation, checkpoints and resume", tp::sft::SftTrainer)
