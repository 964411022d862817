#include "tunepipe/options.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace tp {

std::string_view to_string(OptionType type) {
  switch (type) {
    case OptionType::Bool: return "bool";
    case OptionType::Int: return "integer";
    case OptionType::Float: return "float";
    case OptionType::String: return "string";
    case OptionType::StringList: return "array of strings";
    case OptionType::StringOrList: return "string or array of strings";
    case OptionType::IntList: return "array of integers";
    case OptionType::StringTable: return "table of strings";
    case OptionType::Path: return "path";
  }
  return "?";
}

static std::string quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default: out += c;
    }
  }
  return out + "\"";
}

std::string to_display(const Value& value) {
  struct Visitor {
    std::string operator()(bool b) const { return b ? "true" : "false"; }
    std::string operator()(std::int64_t i) const { return std::to_string(i); }
    std::string operator()(double d) const { return fmt::format("{}", d); }
    std::string operator()(const std::string& s) const { return quote(s); }
    std::string operator()(const std::vector<std::string>& list) const {
      std::string out = "[";
      for (std::size_t i = 0; i < list.size(); ++i) out += (i ? ", " : "") + quote(list[i]);
      return out + "]";
    }
    std::string operator()(const std::vector<std::int64_t>& list) const {
      std::string out = "[";
      for (std::size_t i = 0; i < list.size(); ++i) out += (i ? ", " : "") + std::to_string(list[i]);
      return out + "]";
    }
    std::string operator()(const StringTable& table) const {
      std::string out = "{";
      bool first = true;
      for (const auto& [k, v] : table) {
        out += (first ? " " : ", ") + k + " = " + quote(v);
        first = false;
      }
      return out + (first ? "}" : " }");
    }
  };
  return std::visit(Visitor{}, value);
}

OptionSpec flag_option(std::string name, bool default_value, std::string doc) {
  return OptionSpec{std::move(name), OptionType::Bool, Value{default_value}, std::move(doc)};
}

OptionSpec int_option(std::string name, std::optional<std::int64_t> default_value, std::string doc) {
  OptionSpec spec{std::move(name), OptionType::Int, std::nullopt, std::move(doc)};
  if (default_value) spec.default_value = Value{*default_value};
  return spec;
}

OptionSpec float_option(std::string name, std::optional<double> default_value, std::string doc) {
  OptionSpec spec{std::move(name), OptionType::Float, std::nullopt, std::move(doc)};
  if (default_value) spec.default_value = Value{*default_value};
  return spec;
}

OptionSpec string_option(std::string name, std::optional<std::string> default_value, std::string doc) {
  OptionSpec spec{std::move(name), OptionType::String, std::nullopt, std::move(doc)};
  if (default_value) spec.default_value = Value{std::move(*default_value)};
  return spec;
}

OptionSpec choice_option(std::string name, std::string default_value, std::vector<std::string> choices,
                         std::string doc) {
  OptionSpec spec{std::move(name), OptionType::String, Value{std::move(default_value)}, std::move(doc)};
  spec.choices = std::move(choices);
  return spec;
}

OptionSpec list_option(std::string name, std::optional<std::vector<std::string>> default_value, std::string doc) {
  OptionSpec spec{std::move(name), OptionType::StringList, std::nullopt, std::move(doc)};
  if (default_value) spec.default_value = Value{std::move(*default_value)};
  return spec;
}

OptionSpec string_or_list_option(std::string name, std::optional<Value> default_value, std::string doc) {
  OptionSpec spec{std::move(name), OptionType::StringOrList, std::move(default_value), std::move(doc)};
  return spec;
}

OptionSpec int_list_option(std::string name, std::optional<std::vector<std::int64_t>> default_value, std::string doc) {
  OptionSpec spec{std::move(name), OptionType::IntList, std::nullopt, std::move(doc)};
  if (default_value) spec.default_value = Value{std::move(*default_value)};
  return spec;
}

OptionSpec table_option(std::string name, std::string doc) {
  return OptionSpec{std::move(name), OptionType::StringTable, Value{StringTable{}}, std::move(doc)};
}

OptionSpec path_option(std::string name, PathKind kind, std::optional<std::string> default_value, std::string doc) {
  OptionSpec spec{std::move(name), OptionType::Path, std::nullopt, std::move(doc)};
  if (default_value) spec.default_value = Value{std::move(*default_value)};
  spec.path_kind = kind;
  return spec;
}

OptionSpec& OptionSchema::add(OptionSpec spec) {
  auto it = std::find_if(specs_.begin(), specs_.end(), [&](const OptionSpec& s) { return s.name == spec.name; });
  if (it != specs_.end()) {
    *it = std::move(spec);  // a plugin may refine a shared option
    return *it;
  }
  specs_.push_back(std::move(spec));
  return specs_.back();
}

void OptionSchema::extend(const OptionSchema& other) {
  for (const auto& spec : other.specs()) add(spec);
}

const OptionSpec* OptionSchema::find(std::string_view name) const {
  for (const auto& spec : specs_)
    if (spec.name == name) return &spec;
  return nullptr;
}

std::vector<std::string> OptionSchema::names() const {
  std::vector<std::string> names;
  for (const auto& spec : specs_) names.push_back(spec.name);
  std::sort(names.begin(), names.end());
  return names;
}

void Options::set(const std::string& name, Value value, Location where) {
  values_.insert_or_assign(name, std::make_pair(std::move(value), std::move(where)));
}

bool Options::has(std::string_view name) const { return values_.find(name) != values_.end(); }

const std::pair<Value, Location>& Options::entry(std::string_view name) const {
  auto it = values_.find(name);
  if (it == values_.end()) throw Error(section_location_, fmt::format("{}option \"{}\" is not set", context(), name));
  return it->second;
}

const Value& Options::get(std::string_view name) const { return entry(name).first; }

template <class T>
static const T& typed(const Options& options, std::string_view name, const Value& value, const char* what) {
  if (const T* v = std::get_if<T>(&value)) return *v;
  throw Error(options.location(name), fmt::format("{}option \"{}\" is not {}", options.context(), name, what));
}

bool Options::get_bool(std::string_view name) const { return typed<bool>(*this, name, get(name), "a bool"); }

std::int64_t Options::get_int(std::string_view name) const {
  return typed<std::int64_t>(*this, name, get(name), "an integer");
}

double Options::get_float(std::string_view name) const {
  const Value& value = get(name);
  if (const auto* i = std::get_if<std::int64_t>(&value)) return static_cast<double>(*i);
  return typed<double>(*this, name, value, "a number");
}

const std::string& Options::get_string(std::string_view name) const {
  return typed<std::string>(*this, name, get(name), "a string");
}

const std::vector<std::string>& Options::get_strings(std::string_view name) const {
  return typed<std::vector<std::string>>(*this, name, get(name), "an array of strings");
}

const std::vector<std::int64_t>& Options::get_ints(std::string_view name) const {
  return typed<std::vector<std::int64_t>>(*this, name, get(name), "an array of integers");
}

const StringTable& Options::get_table(std::string_view name) const {
  return typed<StringTable>(*this, name, get(name), "a table of strings");
}

std::filesystem::path Options::get_path(std::string_view name) const { return get_string(name); }

std::optional<std::string> Options::find_string(std::string_view name) const {
  if (!has(name)) return std::nullopt;
  return get_string(name);
}

bool Options::is_default(std::string_view name) const { return !entry(name).second.known(); }

Location Options::location(std::string_view name) const {
  auto it = values_.find(name);
  return it == values_.end() || !it->second.second.known() ? section_location_ : it->second.second;
}

std::string Options::context() const {
  return plugin_.empty() ? fmt::format("[{}] ", section_) : fmt::format("[{}] {}: ", section_, plugin_);
}

}  // namespace tp
