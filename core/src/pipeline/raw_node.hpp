#pragma once
// A pipeline file as parsed, before any schema is applied: a tree of TOML
// values, each with the place it was written.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "tunepipe/error.hpp"

namespace tp::core {

struct RawNode {
  enum class Type { Bool, Int, Float, String, Array, Table, Other };
  Type type = Type::Table;
  bool boolean = false;
  std::int64_t integer = 0;
  double real = 0.0;
  std::string string;
  std::vector<RawNode> items;                          // Array
  std::vector<std::pair<std::string, RawNode>> entries;  // Table, in file order
  Location where;      // the value
  Location key_where;  // the key that names it (tables' entries)

  const RawNode* find(std::string_view key) const;
  RawNode* find(std::string_view key);
  RawNode& get_or_add_table(const std::string& key, const Location& where);
};

std::string_view type_name(RawNode::Type type);

}  // namespace tp::core
