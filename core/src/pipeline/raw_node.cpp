#include "pipeline/raw_node.hpp"

namespace tp::core {

const RawNode* RawNode::find(std::string_view key) const {
  for (const auto& [k, v] : entries)
    if (k == key) return &v;
  return nullptr;
}

RawNode* RawNode::find(std::string_view key) {
  for (auto& [k, v] : entries)
    if (k == key) return &v;
  return nullptr;
}

RawNode& RawNode::get_or_add_table(const std::string& key, const Location& at) {
  if (RawNode* existing = find(key)) return *existing;
  RawNode table;
  table.type = Type::Table;
  table.where = at;
  table.key_where = at;
  entries.emplace_back(key, std::move(table));
  return entries.back().second;
}

std::string_view type_name(RawNode::Type type) {
  switch (type) {
    case RawNode::Type::Bool: return "a bool";
    case RawNode::Type::Int: return "an integer";
    case RawNode::Type::Float: return "a float";
    case RawNode::Type::String: return "a string";
    case RawNode::Type::Array: return "an array";
    case RawNode::Type::Table: return "a table";
    case RawNode::Type::Other: return "a date/time";
  }
  return "?";
}

}  // namespace tp::core
