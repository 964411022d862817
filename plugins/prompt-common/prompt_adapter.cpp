#include "prompt_adapter.hpp"

#include <ATen/core/grad_mode.h>

#include "tunepipe/atomic_file.hpp"
#include "tunepipe/error.hpp"
#include "tunepipe/safetensors.hpp"

namespace tp::prompt {

PromptAdapter::PromptAdapter(std::shared_ptr<CausalLM> base, std::shared_ptr<PromptModule> prompt,
                             Placement placement, std::int64_t num_virtual_tokens, nlohmann::json config)
    : prompt_(std::move(prompt)),
      model_(std::make_shared<VirtualTokenLM>(std::move(base), prompt_, placement, num_virtual_tokens)),
      config_(std::move(config)) {}

void PromptAdapter::save(const std::filesystem::path& dir) const {
  std::filesystem::create_directories(dir);
  at::Tensor embeddings;
  {
    const at::NoGradGuard no_grad;
    embeddings = prompt_->output(/*training=*/false).detach();
  }
  safetensors::write(dir / "adapter_model.safetensors", {{kPromptEmbeddings, embeddings}}, {{"format", "pt"}});
  if (prompt_->has_encoder()) {
    std::vector<std::pair<std::string, at::Tensor>> tensors;
    for (const auto& [name, tensor] : prompt_->parameters()) tensors.emplace_back(name, tensor.detach());
    safetensors::write(dir / kEncoderFile, tensors, {{"format", "pt"}});
  } else {
    std::filesystem::remove(dir / kEncoderFile);
  }
  write_file_atomically(dir / "adapter_config.json", config_.dump(2) + '\n');
}

void PromptAdapter::merge() {
  throw Error(config_.value("peft_type", std::string("prompt")) +
              " adapters cannot be merged into the model: their virtual tokens are extra inputs, not a change of "
              "weights; use the base model with --adapter instead");
}

}  // namespace tp::prompt
