#include "model_loading.hpp"

#include "pipeline/pipeline.hpp"
#include "plugins/plugin_call.hpp"
#include "run/stage_factory.hpp"

namespace tp::core::cli {

LoadedModel load_model(const std::string& dir, const std::string& dtype, const std::string& device) {
  const PluginInfo* plugin = plugin_registry().find("model", "hf");
  if (plugin == nullptr) throw Error("no model plugin \"hf\": build the target tunepipe-model-hf");
  const std::vector<std::string> assignments = {"path=" + dir, "dtype=" + dtype, "device=" + device};
  StageConfig config{"model", "model", plugin, options_from_assignments(*plugin, "model", assignments)};
  LoadedModel loaded;
  loaded.stage = create_stage<ModelStage>(config, StageContext{});
  loaded.model = call_plugin("model", "hf", [&] { return loaded.stage->load(); });
  return loaded;
}

}  // namespace tp::core::cli
