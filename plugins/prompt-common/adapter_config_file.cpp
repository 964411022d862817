#include "adapter_config_file.hpp"

#include <fmt/format.h>

#include <cmath>

#include "tunepipe/error.hpp"
#include "tunepipe/json_input.hpp"

namespace tp::prompt {

AdapterConfigFile AdapterConfigFile::open(const std::filesystem::path& dir) {
  const std::filesystem::path file = dir / "adapter_config.json";
  if (!std::filesystem::exists(file))
    throw Error(Location{dir.string()}, "no adapter_config.json: not a PEFT adapter folder");
  nlohmann::json parsed = read_json_file(file);
  if (!parsed.is_object()) throw Error(Location{file.string()}, "expected a JSON object");
  return AdapterConfigFile(std::move(parsed), file);
}

void AdapterConfigFile::fail(const std::string& message) const { throw Error(Location{path_.string()}, message); }

const nlohmann::json* AdapterConfigFile::find(const char* key) const {
  const auto it = json_.find(key);
  return it == json_.end() || it->is_null() ? nullptr : &*it;
}

std::optional<std::int64_t> AdapterConfigFile::integer(const char* key) const {
  const nlohmann::json* value = find(key);
  if (value == nullptr) return std::nullopt;
  if (value->is_number_integer()) return value->get<std::int64_t>();
  if (value->is_number_float() && value->get<double>() == std::floor(value->get<double>()))
    return static_cast<std::int64_t>(value->get<double>());
  fail(fmt::format("\"{}\" must be an integer, not {}", key, value->dump()));
}

std::int64_t AdapterConfigFile::integer(const char* key, std::int64_t fallback) const {
  return integer(key).value_or(fallback);
}

double AdapterConfigFile::number(const char* key, double fallback) const {
  const nlohmann::json* value = find(key);
  if (value == nullptr) return fallback;
  if (!value->is_number()) fail(fmt::format("\"{}\" must be a number, not {}", key, value->dump()));
  return value->get<double>();
}

bool AdapterConfigFile::flag(const char* key, bool fallback) const {
  const nlohmann::json* value = find(key);
  if (value == nullptr) return fallback;
  if (!value->is_boolean()) fail(fmt::format("\"{}\" must be true or false, not {}", key, value->dump()));
  return value->get<bool>();
}

std::optional<std::string> AdapterConfigFile::string(const char* key) const {
  const nlohmann::json* value = find(key);
  if (value == nullptr) return std::nullopt;
  if (!value->is_string()) fail(fmt::format("\"{}\" must be a string, not {}", key, value->dump()));
  return value->get<std::string>();
}

std::int64_t AdapterConfigFile::positive_integer(const char* key) const {
  const std::optional<std::int64_t> value = integer(key);
  if (!value) fail(fmt::format("\"{}\" is missing", key));
  if (*value < 1) fail(fmt::format("\"{}\" must be at least 1, not {}", key, *value));
  return *value;
}

void AdapterConfigFile::expect_type(const std::string& expected) const {
  if (const auto type = json_.value("peft_type", nlohmann::json()); type != expected)
    fail(fmt::format("\"peft_type\" is {}, not \"{}\"", type.dump(), expected));
  if (const auto task = string("task_type"); task && *task != "CAUSAL_LM")
    fail(fmt::format("\"task_type\" is \"{}\": only CAUSAL_LM adapters (decoder-only models) are supported", *task));
}

}  // namespace tp::prompt
