#include "prompt_folder.hpp"

#include <fmt/format.h>

#include "prompt_adapter.hpp"
#include "tunepipe/error.hpp"

namespace tp::prompt {

std::shared_ptr<PromptModule> load_prompt_module(const std::filesystem::path& dir, const PromptLearningConfig& config,
                                                 std::int64_t width, const at::Device& device,
                                                 const EncoderRecipe* encoder) {
  const std::string why = fmt::format("a {} adapter of {} virtual tokens, as {} says", config.peft_type,
                                      config.num_virtual_tokens, (dir / "adapter_config.json").string());
  if (encoder != nullptr && std::filesystem::exists(dir / kEncoderFile))
    return encoder->make(read_parameters(dir / kEncoderFile, encoder->specs, device, why));
  const std::filesystem::path weights = dir / "adapter_model.safetensors";
  if (!std::filesystem::exists(weights) && std::filesystem::exists(dir / "adapter_model.bin"))
    throw Error(Location{(dir / "adapter_model.bin").string()},
                "pickle adapters are not read: save it with safe_serialization=True (adapter_model.safetensors)");
  const ParameterSpec spec = embedding_spec(kPromptEmbeddings, config.num_virtual_tokens, width);
  return std::make_shared<PromptTable>(std::move(read_parameters(weights, {spec}, device, why).front().second));
}

at::Device model_device(const CausalLM& model) {
  const auto weights = model.named_weights();
  return weights.empty() ? at::Device(at::kCPU) : weights.front().second.device();
}

}  // namespace tp::prompt
