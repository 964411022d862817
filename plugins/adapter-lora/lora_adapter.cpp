#include "lora_adapter.hpp"

#include <ATen/core/grad_mode.h>

#include "peft_config.hpp"
#include "tunepipe/safetensors.hpp"

namespace tp::lora {
namespace {

at::Tensor trainable(const at::Tensor& source, const at::Device& device) {
  // Always a copy: a tensor read from a file is a view of its read-only mapping.
  return source.to(device, at::kFloat, /*non_blocking=*/false, /*copy=*/true).requires_grad_(true);
}

void detach(AdaptableLinear& linear, const LinearDelta* delta) {
  auto kept = linear.deltas();
  linear.detach_all();
  for (auto& other : kept)
    if (other.get() != delta) linear.attach(std::move(other));
}

}  // namespace

LoraAdapter::LoraAdapter(std::shared_ptr<CausalLM> model, LoraConfig config, const std::vector<Target>& targets,
                         const std::vector<LoraWeights>& weights)
    : model_(std::move(model)), config_(std::move(config)) {
  for (std::size_t i = 0; i < targets.size(); ++i) {
    const at::Device device = targets[i].linear->weight().device();
    auto delta = std::make_shared<LoraDelta>(trainable(weights[i].a, device), trainable(weights[i].b, device),
                                             config_.scaling(), config_.dropout);
    targets[i].linear->attach(delta);
    modules_.push_back(Module{targets[i].name, targets[i].linear, std::move(delta)});
  }
}

std::vector<std::pair<std::string, at::Tensor>> LoraAdapter::parameters() const {
  std::vector<std::pair<std::string, at::Tensor>> parameters;
  if (merged_) return parameters;
  for (const Module& module : modules_) {
    parameters.emplace_back(peft_key(module.name, "lora_A"), module.delta->a());
    parameters.emplace_back(peft_key(module.name, "lora_B"), module.delta->b());
  }
  return parameters;
}

void LoraAdapter::set_training(bool training) {
  for (Module& module : modules_) module.delta->set_training(training);
}

void LoraAdapter::set_enabled(bool enabled) {
  if (merged_) throw Error("a LoRA adapter merged into the model cannot be switched off");
  if (enabled == enabled_) return;
  for (Module& module : modules_) {
    if (enabled)
      module.linear->attach(module.delta);
    else
      detach(*module.linear, module.delta.get());
  }
  enabled_ = enabled;
}

void LoraAdapter::save(const std::filesystem::path& dir) const {
  if (merged_) throw Error(Location{dir.string()}, "cannot save a LoRA adapter that was merged into the model");
  std::vector<std::string> names;
  std::vector<std::pair<std::string, at::Tensor>> tensors;
  for (const Module& module : modules_) names.push_back(module.name);
  for (const auto& [name, tensor] : parameters()) tensors.emplace_back(name, tensor.detach());
  std::filesystem::create_directories(dir);
  safetensors::write(dir / "adapter_model.safetensors", tensors, {{"format", "pt"}});
  write_peft_config(config_, names, dir / "adapter_config.json");
}

void LoraAdapter::merge() {
  if (merged_) throw Error("the LoRA adapter is already merged");
  if (!enabled_) set_enabled(true);
  const at::NoGradGuard no_grad;
  for (Module& module : modules_) {
    at::Tensor& weight = module.linear->weight();
    // Summed in fp32 and rounded once to the weight's dtype.
    weight.copy_(weight.to(at::kFloat) + module.delta->merged_weight_delta());
    detach(*module.linear, module.delta.get());
  }
  merged_ = true;
}

}  // namespace tp::lora
