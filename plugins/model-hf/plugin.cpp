#include "hf_model.hpp"
#include "tunepipe/plugin.hpp"

TUNEPIPE_PLUGIN(tp::ModelStage, "hf", "0.1.0", "Hugging Face checkpoint folder: config.json, safetensors weights and tokenizer", tp::hf::HfModel)
