#include "prompt_options.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <filesystem>

#include "tunepipe/attached_adapter.hpp"

namespace tp::prompt {

OptionSpec num_virtual_tokens_option() {
  return int_option("num_virtual_tokens", 20, "virtual tokens in front of every sequence").range(1, std::nullopt);
}

OptionSpec init_option(const std::vector<std::string>& methods, const std::string& doc) {
  return string_option("init", methods.front(), doc);
}

bool init_is_folder(const std::string& init, const std::vector<std::string>& methods) {
  return std::find(methods.begin(), methods.end(), init) == methods.end();
}

std::string init_folder(const Options& options, const std::vector<std::string>& methods) {
  const std::string& init = options.get_string("init");
  if (!std::filesystem::is_directory(init))
    throw Error(options.location("init"),
                options.context() + fmt::format("\"init\" = \"{}\" is neither {} nor an adapter folder", init,
                                                fmt::format("\"{}\"", fmt::join(methods, "\", \""))));
  return init;
}

void require_trainable_weights(const Options& options, const std::string& folder, const std::string& computed) {
  if (!std::filesystem::exists(std::filesystem::path(folder) / kTrainableWeightsFile))
    throw Error(options.location("init"),
                fmt::format("the init adapter {} has no {}: peft's folder holds only {}, so training cannot continue "
                            "from it",
                            folder, kTrainableWeightsFile, computed));
}

}  // namespace tp::prompt
