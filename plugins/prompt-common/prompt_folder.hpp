#pragma once
// The tensors of a saved prompt adapter folder: peft's prompt_embeddings, and
// our encoder file when there is one.
#include <ATen/core/Tensor.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <vector>

#include "parameter_table.hpp"
#include "prompt_learning_config.hpp"
#include "prompt_module.hpp"
#include "tunepipe/causal_lm.hpp"

namespace tp::prompt {

// How a method builds its encoder module, for folders that hold its weights.
struct EncoderRecipe {
  std::vector<ParameterSpec> specs;
  std::function<std::shared_ptr<PromptModule>(ParameterTable)> make;
};

// With an `encoder` recipe and the folder's tunepipe_prompt_encoder.safetensors,
// the encoder as trained; otherwise the saved virtual tokens themselves
// (prompt_embeddings, [num_virtual_tokens, width]), as peft loads them.
std::shared_ptr<PromptModule> load_prompt_module(const std::filesystem::path& dir, const PromptLearningConfig& config,
                                                 std::int64_t width, const at::Device& device,
                                                 const EncoderRecipe* encoder);

// Where the model's weights live (the adapter's tensors go there too).
at::Device model_device(const CausalLM& model);

}  // namespace tp::prompt
