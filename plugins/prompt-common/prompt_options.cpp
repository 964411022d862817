#include "prompt_options.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <filesystem>

#include "tunepipe/attached_adapter.hpp"

namespace tp::prompt {

const OptionKey<std::int64_t>& num_virtual_tokens_key() {
  static const auto key =
      int_key("num_virtual_tokens", 20, "virtual tokens in front of every sequence").range(1, std::nullopt);
  return key;
}

const OptionKey<std::string>& init_key() {
  static const auto key = string_key("init", std::nullopt, "");
  return key;
}

OptionKey<std::string> init_key_for(const std::vector<std::string>& methods, std::string doc) {
  return init_key().with_default(methods.front()).with_doc(std::move(doc));
}

bool init_is_folder(const std::string& init, const std::vector<std::string>& methods) {
  return std::find(methods.begin(), methods.end(), init) == methods.end();
}

std::string init_folder(const Options& options, const std::vector<std::string>& methods) {
  const std::string& init = init_key().read(options);
  if (!std::filesystem::is_directory(init))
    throw Error(init_key().location(options),
                options.context() + fmt::format("\"init\" = \"{}\" is neither {} nor an adapter folder", init,
                                                fmt::format("\"{}\"", fmt::join(methods, "\", \""))));
  return init;
}

void require_trainable_weights(const Options& options, const std::string& folder, const std::string& computed) {
  if (!std::filesystem::exists(std::filesystem::path(folder) / kTrainableWeightsFile))
    throw Error(init_key().location(options),
                fmt::format("the init adapter {} has no {}: peft's folder holds only {}, so training cannot continue "
                            "from it",
                            folder, kTrainableWeightsFile, computed));
}

}  // namespace tp::prompt
