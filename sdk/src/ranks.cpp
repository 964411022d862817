#include "tunepipe/ranks.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cstdlib>
#include <optional>
#include <string_view>

#include "tunepipe/error.hpp"

namespace tp {
namespace {

constexpr std::string_view kLauncher =
    "set by torchrun (`torchrun --nproc-per-node N --no-python tunepipe run PIPELINE`)";

std::optional<std::string> variable(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') return std::nullopt;
  return std::string(value);
}

int number(const char* name, const std::string& text, int minimum) {
  int value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value < minimum)
    throw Error(fmt::format("environment variable {}=\"{}\": expected a whole number of at least {}, {}", name, text,
                            minimum, kLauncher));
  return value;
}

}  // namespace

Ranks ranks_from_environment() {
  Ranks ranks;
  const auto world = variable("WORLD_SIZE");
  if (!world) return ranks;
  ranks.world_size = number("WORLD_SIZE", *world, 1);
  if (!ranks.distributed()) return ranks;
  const auto require = [](const char* name) {
    auto value = variable(name);
    if (!value) throw Error(fmt::format("WORLD_SIZE is set but {} is not: it is {}", name, kLauncher));
    return *value;
  };
  ranks.rank = number("RANK", require("RANK"), 0);
  if (ranks.rank >= ranks.world_size)
    throw Error(fmt::format("environment variable RANK={} is not below WORLD_SIZE={}, {}", ranks.rank,
                            ranks.world_size, kLauncher));
  ranks.local_rank = variable("LOCAL_RANK") ? number("LOCAL_RANK", *variable("LOCAL_RANK"), 0) : 0;
  ranks.master_addr = require("MASTER_ADDR");
  ranks.master_port = number("MASTER_PORT", require("MASTER_PORT"), 1);
  return ranks;
}

}  // namespace tp
