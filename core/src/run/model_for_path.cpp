#include "run/model_for_path.hpp"

#include "run/stage_factory.hpp"
#include "tunepipe/error.hpp"
#include "tunepipe/gguf_magic.hpp"

namespace tp::core {

std::string model_plugin_for(const std::filesystem::path& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) return "hf";
  if (gguf::is_gguf_file(path)) return "gguf";
  if (!std::filesystem::exists(path, ec)) throw Error(Location{path.string()}, "does not exist");
  throw Error(Location{path.string()},
              "neither a checkpoint folder (config.json, tokenizer, *.safetensors) nor a GGUF file");
}

OpenedModelStage open_model_stage(const std::filesystem::path& path, std::vector<std::string> assignments) {
  OpenedModelStage opened;
  opened.plugin = model_plugin_for(path);
  const PluginInfo* plugin = plugin_registry().find("model", opened.plugin);
  if (plugin == nullptr)
    throw Error(fmt::format("no model plugin \"{0}\": build the target tunepipe-model-{0}", opened.plugin));
  assignments.insert(assignments.begin(), "path=" + path.string());
  StageConfig config{"model", "model", plugin, options_from_assignments(*plugin, "model", assignments)};
  opened.stage = create_stage<ModelStage>(config, StageContext{});
  return opened;
}

}  // namespace tp::core
