#include "p_tuning_stage.hpp"
#include "tunepipe/plugin.hpp"

TUNEPIPE_PLUGIN(tp::AdapterStage, "p-tuning", "0.1.0",
                "P-tuning: virtual tokens from a trained MLP or LSTM prompt encoder, in PEFT's format",
                tp::p_tuning::PTuningStage)
