#include <fmt/format.h>

#include "tunepipe/dataset_support.hpp"

namespace tp {

namespace {

bool names_a_field(const std::string& column) {
  return !column.empty() && column.find_first_of("{}") == std::string::npos;
}

std::string join_nonempty(const std::string& first, const std::string& second) {
  if (first.empty()) return second;
  if (second.empty()) return first;
  return first + "\n" + second;
}

}  // namespace

FieldMapping FieldMapping::build(const Options& options, const OptionKey<StringTable>& table, Source source,
                                 Diagnostics& diagnostics) {
  check_table_keys(options, table, keys, diagnostics);
  const StringTable& given = table.read(options);
  const Location where = table.location(options);
  const std::string context = options.context();
  FieldMapping mapping;

  // The slot of `key`: the table's entry, else `fallback`, else unmapped.
  auto make_slot = [&](const std::string& key, std::optional<std::string> fallback, bool optional) {
    Slot slot;
    std::string pattern;
    if (const auto it = given.find(key); it != given.end()) {
      pattern = source == Source::Columns ? "{" + it->second + "}" : it->second;
      if (source == Source::Columns && !names_a_field(it->second)) {
        diagnostics.error(where, fmt::format("{}{}.{} must name a record field, not \"{}\"", context, table.name(), key,
                                             it->second));
        return slot;
      }
    } else if (fallback) {
      pattern = *fallback;
    } else {
      return slot;
    }
    try {
      slot.pattern = FieldTemplate(pattern, where);
    } catch (const Error& error) {
      diagnostics.error(where, fmt::format("{}{}.{}: {}", context, table.name(), key, error.message()));
    }
    slot.optional = optional;
    return slot;
  };

  const bool columns = source == Source::Columns;
  const bool defaults = columns || given.empty();
  auto own_name = [&](const std::string& key) -> std::optional<std::string> {
    if (!defaults) return std::nullopt;
    return "{" + key + "}";
  };
  mapping.system_ = make_slot("system", columns ? own_name("system") : std::nullopt, columns);
  mapping.instruction_ = make_slot("instruction", own_name("instruction"), false);
  mapping.input_ = make_slot("input", own_name("input"), defaults);
  mapping.output_ = make_slot("output", own_name("output"), false);

  if (const auto it = given.find("history"); it != given.end()) {
    if (names_a_field(it->second))
      mapping.history_ = it->second;
    else
      diagnostics.error(where, fmt::format("{}{}.history must name the record field holding [user, assistant] "
                                           "pairs, not \"{}\"", context, table.name(), it->second));
  } else if (columns) {
    mapping.history_ = "history";
  }

  if (!given.empty() && !columns) {
    if (!given.contains("output"))
      diagnostics.error(where, fmt::format("{}{} has no \"output\" key: the assistant turn needs one", context, table.name()));
    if (!given.contains("instruction") && !given.contains("input"))
      diagnostics.error(where, fmt::format("{}{} needs \"instruction\" or \"input\" for the user turn", context, table.name()));
  }
  return mapping;
}

FieldMapping FieldMapping::from_patterns(const Options& options, const OptionKey<StringTable>& table) {
  Diagnostics diagnostics;
  FieldMapping mapping = build(options, table, Source::Patterns, diagnostics);
  diagnostics.throw_if_any();
  return mapping;
}

FieldMapping FieldMapping::from_columns(const Options& options, const OptionKey<StringTable>& table) {
  Diagnostics diagnostics;
  FieldMapping mapping = build(options, table, Source::Columns, diagnostics);
  diagnostics.throw_if_any();
  return mapping;
}

void FieldMapping::validate_patterns(const Options& options, const OptionKey<StringTable>& table, Diagnostics& diagnostics) {
  build(options, table, Source::Patterns, diagnostics);
}

void FieldMapping::validate_columns(const Options& options, const OptionKey<StringTable>& table, Diagnostics& diagnostics) {
  build(options, table, Source::Columns, diagnostics);
}

std::string FieldMapping::render(const Slot& slot, const RecordJson& record, const Location& where) {
  if (slot.pattern.empty() || (slot.optional && !slot.pattern.has_fields(record))) return {};
  return slot.pattern.render(record, where);
}

void FieldMapping::append_history(const RecordJson& record, const Location& where, Conversation& conversation) const {
  if (history_.empty()) return;
  const auto it = record.find(history_);
  if (it == record.end() || it->is_null()) return;
  auto fail = [&](const std::string& what) {
    throw Error(where, fmt::format("field \"{}\" must be a list of [user, assistant] pairs of strings, but {}",
                                   history_, what));
  };
  if (!it->is_array()) fail("it is " + describe_kind(*it));
  std::size_t number = 0;
  for (const RecordJson& pair : *it) {
    ++number;
    if (!pair.is_array()) fail(fmt::format("item {} is {}", number, describe_kind(pair)));
    if (pair.size() != 2) fail(fmt::format("item {} has {} entries", number, pair.size()));
    if (!pair[0].is_string() || !pair[1].is_string()) fail(fmt::format("item {} holds a non-string", number));
    conversation.turns.push_back(Turn{Role::User, pair[0].get<std::string>(), false});
    conversation.turns.push_back(Turn{Role::Assistant, pair[1].get<std::string>(), true});
  }
}

Conversation FieldMapping::convert(const RecordJson& record, const Location& where) const {
  Conversation conversation;
  conversation.system = render(system_, record, where);
  append_history(record, where, conversation);
  std::string user = join_nonempty(render(instruction_, record, where), render(input_, record, where));
  conversation.turns.push_back(Turn{Role::User, std::move(user), false});
  conversation.turns.push_back(Turn{Role::Assistant, render(output_, record, where), true});
  return conversation;
}

}  // namespace tp
