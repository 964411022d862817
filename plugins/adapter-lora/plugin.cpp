#include "lora_stage.hpp"
#include "tunepipe/plugin.hpp"

TUNEPIPE_PLUGIN(tp::AdapterStage, "lora", "0.1.0", "LoRA / rsLoRA updates of the projections, in PEFT's format",
                tp::lora::LoraStage)
