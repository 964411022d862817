#pragma once
// Which projections of a model a LoRA config adapts, decided as peft decides.
#include <string>
#include <vector>

#include "lora_config.hpp"
#include "tunepipe/causal_lm.hpp"
#include "tunepipe/error.hpp"

namespace tp::lora {

struct Target {
  std::string name;  // HF module name, "model.layers.0.self_attn.q_proj"
  AdaptableLinear* linear = nullptr;
};

// The projections `config` selects, in the model's order. A target name that
// matches no projection, a layer index the model lacks, or a selection that
// ends up empty is a tp::Error at `where` (the option or the config file),
// listing what the model has.
std::vector<Target> select_targets(CausalLM& model, const LoraConfig& config, const Location& where);

}  // namespace tp::lora
