#include "lora_config.hpp"

#include <cmath>
#include <regex>

namespace tp::lora {

namespace {
constexpr const char* kAllLinear = "all-linear";
}

TargetSpec target_spec_from_string(std::string text) {
  TargetSpec spec;
  if (text == kAllLinear) {
    spec.kind = TargetSpec::Kind::AllLinear;
  } else {
    spec.kind = TargetSpec::Kind::Regex;
    spec.regex = std::move(text);
  }
  return spec;
}

TargetSpec target_spec_from_names(std::vector<std::string> names) {
  if (names.size() == 1 && names[0] == kAllLinear) return target_spec_from_string(kAllLinear);
  TargetSpec spec;
  spec.names = std::move(names);
  return spec;
}

std::string target_spec_problem(const TargetSpec& spec) {
  switch (spec.kind) {
    case TargetSpec::Kind::AllLinear: return {};
    case TargetSpec::Kind::Regex:
      try {
        std::regex check(spec.regex);
      } catch (const std::regex_error& e) {
        return "\"" + spec.regex + "\" is not a valid regular expression (" + e.what() + ")";
      }
      return {};
    case TargetSpec::Kind::Names:
      if (spec.names.empty()) return "no target modules";
      for (const std::string& name : spec.names)
        if (name == kAllLinear) return "\"all-linear\" cannot be combined with module names";
      return {};
  }
  return {};
}

double LoraConfig::scaling() const {
  return use_rslora ? alpha / std::sqrt(static_cast<double>(r)) : alpha / static_cast<double>(r);
}

}  // namespace tp::lora
