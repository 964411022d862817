#pragma once
// PEFT's adapter_config.json for a LoRA adapter, read and written.
#include <filesystem>
#include <string>
#include <vector>

#include "lora_config.hpp"

namespace tp::lora {

// <dir>/adapter_config.json. Anything that changes what the adapter computes
// and is not implemented here (DoRA and the other LoRA variants, biases,
// fan_in_fan_out, per-module ranks, …) is a tp::Error naming the file and key.
LoraConfig read_peft_config(const std::filesystem::path& dir);

// Writes the config as peft's save_pretrained does, through a temporary file.
// `modules` are the adapted module names; all-linear is saved as their list,
// as peft saves it.
void write_peft_config(const LoraConfig& config, const std::vector<std::string>& modules,
                       const std::filesystem::path& file);

}  // namespace tp::lora
