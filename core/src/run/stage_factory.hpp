#pragma once
// Makes a stage object from its configured plugin.
#include <fmt/format.h>

#include <memory>

#include "pipeline/pipeline.hpp"
#include "plugins/plugin_call.hpp"
#include "tunepipe/stage.hpp"

namespace tp::core {

template <class StageType>
std::unique_ptr<StageType> create_stage(const StageConfig& config, const StageContext& context) {
  const PluginInfo& plugin = *config.plugin;
  std::unique_ptr<Stage> stage =
      call_plugin(config.section, plugin.name, [&] { return plugin.descriptor->create(config.options, context); });
  auto* typed = dynamic_cast<StageType*>(stage.get());
  if (typed == nullptr)
    throw Error(fmt::format("[{}] {}: the plugin at {} did not create a {} stage", config.section, plugin.name,
                            plugin.path.string(), StageType::kind_name));
  stage.release();
  return std::unique_ptr<StageType>(typed);
}

}  // namespace tp::core
