#include "prompt_options.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <filesystem>

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

}  // namespace tp::prompt
