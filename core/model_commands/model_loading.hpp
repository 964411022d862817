#pragma once
// The model stage for a checkpoint folder (`hf`) or GGUF file (`gguf`) given on
// the command line, and the adapter plugin for a PEFT adapter folder put on it.
#include <memory>
#include <string>

#include <boost/program_options/variables_map.hpp>

#include "tunepipe/adapter.hpp"
#include "tunepipe/attached_adapter.hpp"
#include "tunepipe/causal_lm.hpp"
#include "tunepipe/model.hpp"

namespace tp::core::cli {

struct LoadedModel {
  std::string plugin;  // the model plugin: "hf", "gguf"
  std::unique_ptr<ModelStage> stage;
  std::shared_ptr<CausalLM> model;  // with the adapter when one is loaded: what to run
  std::string adapter_plugin;  // "lora", …; empty without an adapter
  std::unique_ptr<AdapterStage> adapter_stage;
  std::shared_ptr<AttachedAdapter> adapter;
};

// Loads the weights, and the adapter folder `adapter_dir` onto them unless it
// is empty; the tokenizer is read from the stage when asked for.
LoadedModel load_model(const std::string& path, const std::string& dtype, const std::string& device,
                       const std::string& adapter_dir = {});

// The --adapter option's folder; empty when not given.
std::string adapter_option(const boost::program_options::variables_map& values);
// The help line of every command's --adapter option.
inline constexpr const char* kAdapterHelp =
    "PEFT adapter folder (adapter_config.json + adapter_model.safetensors) to apply to the model";

}  // namespace tp::core::cli
