#include "random_state.hpp"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Context.h>
#include <fmt/format.h>

#include <mutex>

#include "tunepipe/error.hpp"

namespace tp::training {
namespace {

std::vector<std::pair<std::string, at::Generator>> generators(const at::Device& device) {
  std::vector<std::pair<std::string, at::Generator>> list{{"cpu", at::detail::getDefaultCPUGenerator()}};
  if (!device.is_cpu()) list.emplace_back(device.str(), at::globalContext().defaultGenerator(device));
  return list;
}

}  // namespace

void seed_generators(const at::Device& device, std::uint64_t seed) {
  for (auto& [name, generator] : generators(device)) {
    const std::lock_guard<std::mutex> lock(generator.mutex());
    generator.set_current_seed(seed);
  }
}

NamedTensors generator_states(const at::Device& device) {
  NamedTensors states;
  for (auto& [name, generator] : generators(device)) {
    const std::lock_guard<std::mutex> lock(generator.mutex());
    states.emplace_back(name, generator.get_state());
  }
  return states;
}

void restore_generator_states(const at::Device& device, const NamedTensors& states, const std::string& source) {
  for (auto& [name, generator] : generators(device)) {
    const auto found = std::find_if(states.begin(), states.end(), [&](const auto& state) { return state.first == name; });
    if (found == states.end())
      throw Error(Location{source}, fmt::format("no random state \"{}\" (the checkpoint was written by a run on "
                                                "another device?)",
                                                name));
    const std::lock_guard<std::mutex> lock(generator.mutex());
    generator.set_state(found->second);
  }
}

}  // namespace tp::training
