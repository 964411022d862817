#include "lora_stage.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "lora_adapter.hpp"
#include "lora_options.hpp"
#include "lora_weights.hpp"
#include "peft_config.hpp"
#include "target_selection.hpp"

namespace tp::lora {
namespace {

std::vector<std::string> names_of(const std::vector<Target>& targets) {
  std::vector<std::string> names;
  for (const Target& target : targets) names.push_back(target.name);
  return names;
}

// An `init` folder must hold the adapter the options describe.
void check_init_folder(const std::filesystem::path& dir, const LoraConfig& options, const LoraConfig& saved,
                       const std::vector<Target>& ours, const std::vector<Target>& theirs) {
  const Location file{(dir / "adapter_config.json").string()};
  if (saved.r != options.r)
    throw Error(file, fmt::format("the init adapter has r = {}, the options say r = {}", saved.r, options.r));
  if (names_of(ours) != names_of(theirs))
    throw Error(file, fmt::format("the init adapter adapts [{}], the options' target_modules select [{}]",
                                  fmt::join(names_of(theirs), ", "), fmt::join(names_of(ours), ", ")));
}

}  // namespace

LoraStage::LoraStage(const Options& options, const StageContext& context)
    : config_(config_from_options(options)),
      init_(keys::init.read(options)),
      targets_where_(keys::target_modules.location(options)),
      init_where_(keys::init.location(options)),
      seed_(context.seed) {}

OptionSchema LoraStage::schema() { return lora_schema(); }

void LoraStage::validate(const Options& options, Diagnostics& errors) { validate_lora_options(options, errors); }

std::shared_ptr<AttachedAdapter> LoraStage::attach(std::shared_ptr<CausalLM> model) const {
  LoraConfig config = config_;
  config.base_model_name_or_path = model->config().source;
  const std::vector<Target> targets = select_targets(*model, config, targets_where_);
  if (!init_is_folder(init_))
    return std::make_shared<LoraAdapter>(model, config, targets, initial_weights(targets, config.r, init_, seed_));
  if (!std::filesystem::is_directory(init_))
    throw Error(init_where_, fmt::format("\"init\" = \"{}\" is neither \"default\", \"gaussian\" nor an adapter folder",
                                         init_));
  const std::filesystem::path folder = init_;
  const LoraConfig saved = read_peft_config(folder);
  check_init_folder(folder, config, saved, targets,
                    select_targets(*model, saved, Location{(folder / "adapter_config.json").string()}));
  return std::make_shared<LoraAdapter>(model, config, targets, read_weights(folder, targets, config.r));
}

std::shared_ptr<AttachedAdapter> LoraStage::load(std::shared_ptr<CausalLM> model,
                                                 const std::filesystem::path& dir) const {
  const LoraConfig config = read_peft_config(dir);
  const std::vector<Target> targets = select_targets(*model, config, Location{(dir / "adapter_config.json").string()});
  return std::make_shared<LoraAdapter>(model, config, targets, read_weights(dir, targets, config.r));
}

}  // namespace tp::lora
