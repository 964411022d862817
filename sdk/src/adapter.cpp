#include "tunepipe/adapter.hpp"

#include <array>
#include <utility>

namespace tp {

std::string adapter_plugin_for_peft_type(const std::string& peft_type) {
  static constexpr std::array<std::pair<const char*, const char*>, 4> plugins = {{
      {"LORA", "lora"}, {"PROMPT_TUNING", "prompt-tuning"}, {"P_TUNING", "p-tuning"}, {"PREFIX_TUNING", "prefix"}}};
  for (const auto& [type, plugin] : plugins)
    if (peft_type == type) return plugin;
  return {};
}

}  // namespace tp
