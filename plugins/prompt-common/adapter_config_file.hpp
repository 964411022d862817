#pragma once
// A PEFT adapter_config.json, read with errors that name the file and key.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace tp::prompt {

class AdapterConfigFile {
 public:
  // <dir>/adapter_config.json; throws tp::Error when it is missing or not a JSON object.
  static AdapterConfigFile open(const std::filesystem::path& dir);

  const nlohmann::json& json() const { return json_; }
  const std::filesystem::path& path() const { return path_; }
  [[noreturn]] void fail(const std::string& message) const;

  // Absent or null: the fallback (nullopt when none is given).
  std::optional<std::int64_t> integer(const char* key) const;
  std::int64_t integer(const char* key, std::int64_t fallback) const;
  double number(const char* key, double fallback) const;
  bool flag(const char* key, bool fallback) const;
  std::optional<std::string> string(const char* key) const;
  // The value must be present and a positive integer.
  std::int64_t positive_integer(const char* key) const;
  // "peft_type" must be `expected`; "task_type" CAUSAL_LM (or absent).
  void expect_type(const std::string& expected) const;

 private:
  AdapterConfigFile(nlohmann::json json, std::filesystem::path path) : json_(std::move(json)), path_(std::move(path)) {}
  const nlohmann::json* find(const char* key) const;

  nlohmann::json json_;
  std::filesystem::path path_;
};

}  // namespace tp::prompt
