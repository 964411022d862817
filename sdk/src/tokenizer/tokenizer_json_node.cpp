#include "tokenizer/tokenizer_json_node.hpp"

#include "tokenizer/json_file.hpp"

#include <fmt/format.h>

namespace tp {

JsonNode JsonNode::operator[](const char* key) const {
  static const nlohmann::json null_value;
  const std::string child = path_.empty() ? std::string(key) : path_ + "." + key;
  if (!value_->is_object()) return JsonNode(*file_, null_value, child);
  const auto it = value_->find(key);
  return JsonNode(*file_, it == value_->end() ? null_value : *it, child);
}

std::vector<JsonNode> JsonNode::steps(const char* list_key) const {
  std::vector<JsonNode> out;
  if (is_null()) return out;
  if (type() != "Sequence") {
    out.push_back(*this);
    return out;
  }
  const JsonNode list = (*this)[list_key];
  if (!list.value().is_array()) list.fail("expected an array");
  for (std::size_t i = 0; i < list.value().size(); ++i) {
    const JsonNode step(*file_, list.value()[i], fmt::format("{}[{}]", list.path(), i));
    // A Sequence inside a Sequence runs its steps in place.
    for (JsonNode& inner : step.steps(list_key)) out.push_back(std::move(inner));
  }
  return out;
}

std::string JsonNode::type() const {
  if (!value_->is_object()) fail(fmt::format("expected an object with a \"type\", not {}", value_->dump()));
  return string_at("type");
}

std::string JsonNode::string_at(const char* key) const {
  const JsonNode member = (*this)[key];
  if (!member.value().is_string()) member.fail(fmt::format("expected a string, not {}", member.value().dump()));
  return member.value().get<std::string>();
}

std::optional<std::string> JsonNode::optional_string_at(const char* key) const {
  if ((*this)[key].is_null()) return std::nullopt;
  return string_at(key);
}

bool JsonNode::bool_at(const char* key, bool fallback) const {
  const JsonNode member = (*this)[key];
  if (member.is_null()) return fallback;
  if (!member.value().is_boolean()) member.fail(fmt::format("expected true or false, not {}", member.value().dump()));
  return member.value().get<bool>();
}

std::size_t JsonNode::size_at(const char* key, std::size_t fallback) const {
  const JsonNode member = (*this)[key];
  if (member.is_null()) return fallback;
  if (!member.value().is_number_unsigned()) member.fail(fmt::format("expected a count, not {}", member.value().dump()));
  return member.value().get<std::size_t>();
}

void JsonNode::fail(const std::string& message) const { tp::fail_in_file(*file_, fmt::format("{}: {}", path_, message)); }

void JsonNode::unsupported_type(const std::string& type, const char* supported) const {
  tp::fail_in_file(*file_, fmt::format("{}.type \"{}\" is not supported (supported: {})", path_, type, supported));
}

void JsonNode::fail_in_file(const std::string& message) const { tp::fail_in_file(*file_, message); }

}  // namespace tp
