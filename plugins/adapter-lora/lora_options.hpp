#pragma once
// The stage's options: their schema, their checks, and the LoraConfig they describe.
#include "lora_config.hpp"
#include "tunepipe/options.hpp"

namespace tp::lora {

OptionSchema lora_schema();
void validate_lora_options(const Options& options, Diagnostics& errors);
// Options already validated.
LoraConfig config_from_options(const Options& options);

// "default" and "gaussian" initialise; any other `init` is a PEFT adapter folder.
bool init_is_folder(const std::string& init);

}  // namespace tp::lora
