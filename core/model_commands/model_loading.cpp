#include "model_loading.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "pipeline/pipeline.hpp"
#include "plugins/plugin_call.hpp"
#include "run/model_for_path.hpp"
#include "run/stage_factory.hpp"
#include "tunepipe/json_input.hpp"

namespace tp::core::cli {
namespace {

// The adapter plugin that reads this folder, from its adapter_config.json's peft_type.
std::string adapter_plugin_for(const std::filesystem::path& dir) {
  const std::filesystem::path file = dir / "adapter_config.json";
  if (!std::filesystem::exists(file))
    throw Error(Location{dir.string()}, "no adapter_config.json: not a PEFT adapter folder");
  const nlohmann::json config = read_json_file(file);
  const nlohmann::json type = config.is_object() ? config.value("peft_type", nlohmann::json()) : nlohmann::json();
  const std::string plugin = type.is_string() ? adapter_plugin_for_peft_type(type.get<std::string>()) : std::string();
  if (plugin.empty())
    throw Error(Location{file.string()},
                fmt::format("\"peft_type\" {} has no adapter plugin (known: LORA, PROMPT_TUNING, P_TUNING, "
                            "PREFIX_TUNING)",
                            type.dump()));
  return plugin;
}

void load_adapter(LoadedModel& loaded, const std::filesystem::path& dir) {
  const std::string name = adapter_plugin_for(dir);
  loaded.adapter_plugin = name;
  const PluginInfo* plugin = plugin_registry().find("adapter", name);
  if (plugin == nullptr)
    throw Error(Location{dir.string()},
                fmt::format("no adapter plugin \"{}\": build the target tunepipe-adapter-{}", name, name));
  StageConfig config{"adapter", "adapter", plugin, options_from_assignments(*plugin, "adapter", {})};
  loaded.adapter_stage = create_stage<AdapterStage>(config, StageContext{});
  loaded.adapter = call_plugin("adapter", name, [&] { return loaded.adapter_stage->load(loaded.model, dir); });
  loaded.model = loaded.adapter->model();
}

}  // namespace

std::string adapter_option(const boost::program_options::variables_map& values) {
  return values.count("adapter") ? values["adapter"].as<std::string>() : std::string();
}

LoadedModel load_model(const std::string& path, const std::string& dtype, const std::string& device,
                       const std::string& adapter_dir) {
  LoadedModel loaded;
  OpenedModelStage opened = open_model_stage(path, {"dtype=" + dtype, "device=" + device});
  loaded.plugin = std::move(opened.plugin);
  loaded.stage = std::move(opened.stage);
  loaded.model = call_plugin("model", loaded.plugin, [&] { return loaded.stage->load(); });
  if (!adapter_dir.empty()) load_adapter(loaded, adapter_dir);
  return loaded;
}

}  // namespace tp::core::cli
