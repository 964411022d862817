#pragma once
// Reading one part of tokenizer.json with errors that name the file and the
// key path ("pre_tokenizer.pretokenizers[1].type").
#include <nlohmann/json.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace tp {

class JsonNode {
 public:
  JsonNode(const std::filesystem::path& file, const nlohmann::json& value, std::string path)
      : file_(&file), value_(&value), path_(std::move(path)) {}

  const nlohmann::json& value() const { return *value_; }
  const std::string& path() const { return path_; }
  bool is_null() const { return value_->is_null(); }

  // The member `key` (null when absent), with its path.
  JsonNode operator[](const char* key) const;
  // A "Sequence" of `list_key` entries as its entries, null as none, anything else as itself.
  std::vector<JsonNode> steps(const char* list_key) const;
  // The "type" member; fails when absent.
  std::string type() const;

  std::string string_at(const char* key) const;  // fails unless a string
  std::optional<std::string> optional_string_at(const char* key) const;  // null or absent: nullopt
  bool bool_at(const char* key, bool fallback) const;
  std::size_t size_at(const char* key, std::size_t fallback) const;

  [[noreturn]] void fail(const std::string& message) const;
  // "<path>.type "Foo" is not supported (supported: ...)".
  [[noreturn]] void unsupported_type(const std::string& type, const char* supported) const;
  [[noreturn]] void fail_in_file(const std::string& message) const;

 private:
  const std::filesystem::path* file_;
  const nlohmann::json* value_;
  std::string path_;
};

}  // namespace tp
