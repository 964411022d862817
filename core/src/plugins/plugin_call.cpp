#include "plugins/plugin_call.hpp"

namespace tp::core {

std::string with_stage_prefix(std::string_view section, std::string_view plugin, const std::string& message) {
  const std::string prefix = fmt::format("[{}] {}: ", section, plugin);
  if (message.starts_with(prefix) || message.starts_with(fmt::format("[{}]", section))) return message;
  return prefix + message;
}

}  // namespace tp::core
