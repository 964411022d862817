#include "optimizer.hpp"

#include <ATen/core/grad_mode.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <regex>

#include "tunepipe/error.hpp"

namespace tp::training {
namespace {

bool decays(std::string name) {
  static const std::regex exempt(R"(bias|layernorm|rmsnorm|(?:^|\.)norm(?:$|\.)|_norm(?:$|\.))");
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
  return !std::regex_search(name, exempt);
}

std::string shape_of(const at::Tensor& tensor) { return fmt::format("[{}]", fmt::join(tensor.sizes(), ", ")); }

}  // namespace

AdamW::AdamW(NamedTensors parameters, AdamWSettings settings) : settings_(settings) {
  for (auto& [name, parameter] : parameters)
    slots_.push_back(Slot{name, parameter, at::zeros_like(parameter, at::MemoryFormat::Preserve),
                          at::zeros_like(parameter, at::MemoryFormat::Preserve),
                          at::zeros({}, parameter.options().dtype(at::kFloat)), decays(name)});
}

void AdamW::step(double learning_rate) {
  const at::NoGradGuard no_grad;
  for (const bool decaying : {true, false}) {
    std::vector<at::Tensor> parameters, grads, exp_avg, exp_avg_sq, step;
    for (const Slot& slot : slots_) {
      // Parameters without a gradient are left alone, as torch does.
      if (slot.decays != decaying || !slot.parameter.grad().defined()) continue;
      parameters.push_back(slot.parameter);
      grads.push_back(slot.parameter.grad());
      exp_avg.push_back(slot.exp_avg);
      exp_avg_sq.push_back(slot.exp_avg_sq);
      step.push_back(slot.step);
    }
    if (parameters.empty()) continue;
    at::_foreach_add_(step, 1);
    at::_fused_adamw_(parameters, grads, exp_avg, exp_avg_sq, /*max_exp_avg_sqs=*/{}, step, learning_rate,
                      settings_.beta1, settings_.beta2, decaying ? settings_.weight_decay : 0.0, settings_.epsilon,
                      /*amsgrad=*/false, /*maximize=*/false);
  }
  ++steps_;
}

void AdamW::zero_grad() {
  // As torch's zero_grad(set_to_none=True): the next backward allocates afresh.
  for (Slot& slot : slots_) slot.parameter.mutable_grad().reset();
}

NamedTensors AdamW::state() const {
  NamedTensors state;
  for (const Slot& slot : slots_) {
    state.emplace_back(slot.name + ".exp_avg", slot.exp_avg);
    state.emplace_back(slot.name + ".exp_avg_sq", slot.exp_avg_sq);
  }
  return state;
}

void AdamW::load_state(const NamedTensors& moments, std::int64_t steps, const std::string& source) {
  const std::map<std::string, at::Tensor> by_name(moments.begin(), moments.end());
  if (by_name.size() != 2 * slots_.size())
    throw Error(Location{source}, fmt::format("{} optimizer tensors for an adapter of {} parameters: the checkpoint "
                                              "belongs to another adapter",
                                              by_name.size(), slots_.size()));
  const at::NoGradGuard no_grad;
  for (Slot& slot : slots_) {
    for (auto& [suffix, target] : {std::pair<const char*, at::Tensor&>{".exp_avg", slot.exp_avg},
                                   std::pair<const char*, at::Tensor&>{".exp_avg_sq", slot.exp_avg_sq}}) {
      const auto found = by_name.find(slot.name + suffix);
      if (found == by_name.end())
        throw Error(Location{source}, fmt::format("no optimizer state \"{}{}\": the checkpoint belongs to another "
                                                  "adapter",
                                                  slot.name, suffix));
      if (!found->second.sizes().equals(slot.parameter.sizes()))
        throw Error(Location{source},
                    fmt::format("optimizer state \"{}{}\" has shape {} but the parameter has {}: the checkpoint "
                                "belongs to another adapter shape",
                                slot.name, suffix, shape_of(found->second), shape_of(slot.parameter)));
      target.copy_(found->second);
    }
    slot.step.fill_(static_cast<double>(steps));
  }
  steps_ = steps;
}

double clip_grad_norm(const NamedTensors& parameters, double max_norm) {
  const at::NoGradGuard no_grad;
  std::vector<at::Tensor> grads;
  for (const auto& [name, parameter] : parameters)
    if (parameter.grad().defined()) grads.push_back(parameter.grad());
  if (grads.empty()) return 0.0;
  std::vector<at::Tensor> norms = at::_foreach_norm(grads, 2);
  for (at::Tensor& norm : norms) norm = norm.to(grads[0].device());
  const at::Tensor total = at::linalg_vector_norm(at::stack(norms), 2);
  if (max_norm > 0) {
    // torch writes max_norm / (total + 1e-6), which Python evaluates as reciprocal(·) * max_norm.
    const at::Tensor coefficient = at::clamp((total + 1e-6).reciprocal() * max_norm, std::nullopt, 1.0);
    at::_foreach_mul_(grads, coefficient);
  }
  return total.item<double>();
}

}  // namespace tp::training
