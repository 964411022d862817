#include "prompt_tuning_stage.hpp"
#include "tunepipe/plugin.hpp"

TUNEPIPE_PLUGIN(tp::AdapterStage, "prompt-tuning", "0.1.0",
                "prompt tuning: trainable virtual token embeddings before the input, in PEFT's format",
                tp::prompt_tuning::PromptTuningStage)
