#include "tunepipe/field_template.hpp"

#include <fmt/format.h>

namespace tp {

namespace {

// The value a field path names, or null when the record lacks it.
const RecordJson* lookup(const RecordJson& record, const std::string& path) {
  if (const auto it = record.find(path); it != record.end()) return &*it;
  const RecordJson* node = &record;
  std::string_view rest = path;
  while (!rest.empty()) {
    const std::size_t dot = rest.find('.');
    const std::string key(rest.substr(0, dot));
    if (!node->is_object()) return nullptr;
    const auto it = node->find(key);
    if (it == node->end()) return nullptr;
    node = &*it;
    rest = dot == std::string_view::npos ? std::string_view{} : rest.substr(dot + 1);
  }
  return node;
}

}  // namespace

FieldTemplate::FieldTemplate(std::string_view pattern, const Location& where) {
  // Positions count characters, not bytes, so they match what the user sees.
  auto character = [&](std::size_t byte) {
    std::size_t count = 0;
    for (std::size_t i = 0; i <= byte; ++i) count += (static_cast<unsigned char>(pattern[i]) & 0xC0) != 0x80;
    return count;
  };
  auto fail = [&](const std::string& what) {
    throw Error(where, fmt::format("field template \"{}\": {}", pattern, what));
  };
  std::string literal;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (c == '}') {
      if (i + 1 < pattern.size() && pattern[i + 1] == '}') {
        literal += '}';
        ++i;
        continue;
      }
      fail(fmt::format("'}}' at character {} has no matching '{{' (write }}}} for a literal brace)", character(i)));
    }
    if (c != '{') {
      literal += c;
      continue;
    }
    if (i + 1 < pattern.size() && pattern[i + 1] == '{') {
      literal += '{';
      ++i;
      continue;
    }
    const std::size_t close = pattern.find_first_of("{}", i + 1);
    if (close == std::string_view::npos || pattern[close] == '{')
      fail(fmt::format("'{{' at character {} is never closed (write {{{{ for a literal brace)", character(i)));
    const std::string name(pattern.substr(i + 1, close - i - 1));
    if (name.empty()) fail(fmt::format("empty field name at character {}", character(i)));
    if (!literal.empty()) parts_.push_back(Part{false, std::move(literal)});
    literal.clear();
    parts_.push_back(Part{true, name});
    fields_.push_back(name);
    i = close;
  }
  if (!literal.empty()) parts_.push_back(Part{false, std::move(literal)});
}

std::string FieldTemplate::render(const RecordJson& record, const Location& where) const {
  std::string out;
  for (const Part& part : parts_) {
    if (!part.is_field) {
      out += part.text;
      continue;
    }
    const RecordJson* value = lookup(record, part.text);
    if (value == nullptr)
      throw Error(where, fmt::format("field \"{}\" missing in record (fields seen: {})", part.text,
                                     describe_fields(record)));
    out += value->is_string() ? value->get_ref<const std::string&>() : value->dump();
  }
  return out;
}

bool FieldTemplate::has_fields(const RecordJson& record) const {
  for (const std::string& field : fields_) {
    const RecordJson* value = lookup(record, field);
    if (value == nullptr || value->is_null()) return false;
  }
  return true;
}

std::string describe_fields(const RecordJson& record) {
  if (!record.is_object() || record.empty()) return "none";
  std::string names;
  for (const auto& [key, value] : record.items()) names += (names.empty() ? "" : ", ") + key;
  return names;
}

std::string describe_kind(const RecordJson& value) {
  switch (value.type()) {
    case RecordJson::value_t::object: return "an object";
    case RecordJson::value_t::array: return "a list";
    case RecordJson::value_t::string: return "a string";
    case RecordJson::value_t::boolean: return "a boolean";
    case RecordJson::value_t::null: return "null";
    default: return "a number";
  }
}

}  // namespace tp
