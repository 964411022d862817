#include "target_selection.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <optional>
#include <regex>
#include <set>

namespace tp::lora {
namespace {

bool name_matches(const std::string& module, const std::string& target) {
  return module == target || module.ends_with("." + target);
}

// peft's layer index: the first numbered segment after a name (or after one of
// layers_pattern); none when the module has no such segment.
std::optional<std::int64_t> layer_index(const std::string& module, const std::vector<std::string>& patterns) {
  std::vector<std::regex> searches;
  if (patterns.empty())
    searches.emplace_back(R"(^.*?\.[^.]*\.(\d+)\.)");
  else
    for (const std::string& pattern : patterns) searches.emplace_back("^(?:|.*?\\.)" + pattern + R"(\.(\d+)\.)");
  for (const std::regex& search : searches) {
    std::smatch match;
    if (std::regex_search(module, match, search)) return std::stoll(match[1].str());
  }
  return std::nullopt;
}

// A list entry picks a module when it names it; the layer filter applies to
// suffix matches only, as in peft, where a full module name is taken as given.
bool selected_by_names(const std::string& module, const LoraConfig& config) {
  const auto& names = config.targets.names;
  if (std::find(names.begin(), names.end(), module) != names.end()) return true;
  if (std::none_of(names.begin(), names.end(), [&](const std::string& n) { return name_matches(module, n); }))
    return false;
  if (!config.layers) return true;
  const auto index = layer_index(module, config.layers_pattern);
  return index && std::find(config.layers->begin(), config.layers->end(), *index) != config.layers->end();
}

std::string last_component(const std::string& module) { return module.substr(module.rfind('.') + 1); }

void check_names_exist(const std::vector<std::pair<std::string, AdaptableLinear*>>& linears, const LoraConfig& config,
                       const Location& where) {
  std::set<std::string> available;
  for (const auto& [module, linear] : linears) available.insert(last_component(module));
  for (const std::string& target : config.targets.names) {
    const bool found = std::any_of(linears.begin(), linears.end(),
                                   [&](const auto& entry) { return name_matches(entry.first, target); });
    if (!found)
      throw Error(where, fmt::format("target module \"{}\" matches no projection of the model (available: {}, "
                                     "or all-linear)",
                                     target, fmt::join(available, ", ")));
  }
}

void check_layers_exist(const CausalLM& model, const LoraConfig& config, const Location& where) {
  if (!config.layers) return;
  const std::int64_t layers = model.config().num_layers;
  for (std::int64_t index : *config.layers)
    if (index < 0 || index >= layers)
      throw Error(where, fmt::format("layer {} does not exist: the model has layers 0 to {}", index, layers - 1));
}

}  // namespace

std::vector<Target> select_targets(CausalLM& model, const LoraConfig& config, const Location& where) {
  const auto linears = model.adaptable_linears();
  check_layers_exist(model, config, where);
  std::optional<std::regex> regex;
  if (config.targets.kind == TargetSpec::Kind::Regex) regex.emplace(config.targets.regex);
  if (config.targets.kind == TargetSpec::Kind::Names) check_names_exist(linears, config, where);

  std::vector<Target> targets;
  for (const auto& [module, linear] : linears) {
    bool selected = true;  // all-linear: every projection the model offers (never lm_head)
    if (regex) selected = std::regex_match(module, *regex);
    if (config.targets.kind == TargetSpec::Kind::Names) selected = selected_by_names(module, config);
    if (selected) targets.push_back(Target{module, linear});
  }
  if (targets.empty())
    throw Error(where, fmt::format("the target modules select no projection of the model (its projections are named "
                                   "like {})",
                                   linears.empty() ? std::string("nothing") : linears.front().first));
  return targets;
}

}  // namespace tp::lora
