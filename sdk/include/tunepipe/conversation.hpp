#pragma once
// What a dataset stage produces: one conversation per record, independent of
// any model family.
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace tp {

enum class Role { User, Assistant };
std::string_view to_string(Role role);

struct Turn {
  Role role = Role::User;
  std::string content;
  bool trained = false;  // whether the loss covers this turn (assistant turns by default)
};

struct Conversation {
  std::string system;  // empty: the template's default system prompt applies
  std::vector<Turn> turns;
  std::string source;  // "file:line" of the record, for messages
  std::map<std::string, std::string> fields;  // the record's top-level fields (non-strings as JSON), for evaluators
};

}  // namespace tp
