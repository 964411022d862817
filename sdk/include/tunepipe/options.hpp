#pragma once
// Typed plugin options. A plugin declares a schema (name, type, default, one-line
// doc, constraints); the runtime uses it to parse and validate the pipeline file,
// to apply --set overrides and to print `tunepipe describe`.
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "tunepipe/error.hpp"

namespace tp {

// StringOrList keeps what the file wrote: one string or an array of strings
// (as peft's target_modules: a regex, or names). IntList takes an integer or
// an array of integers.
enum class OptionType { Bool, Int, Float, String, StringList, StringOrList, IntList, StringTable, Path };
std::string_view to_string(OptionType type);

// How a Path option is checked by `validate` (paths are relative to the
// working directory the pipeline runs from).
enum class PathKind { ExistingFile, ExistingDir, Existing, Output };

using StringTable = std::map<std::string, std::string>;
using Value = std::variant<bool, std::int64_t, double, std::string, std::vector<std::string>, StringTable,
                           std::vector<std::int64_t>>;
std::string to_display(const Value& value);  // TOML-like rendering for messages and `describe`

struct OptionSpec {
  std::string name;
  OptionType type = OptionType::String;
  std::optional<Value> default_value;  // absent: the option is required or optional
  std::string doc;
  bool required = false;
  std::optional<double> min;
  std::optional<double> max;
  std::vector<std::string> choices;
  PathKind path_kind = PathKind::Existing;

  OptionSpec& range(std::optional<double> lo, std::optional<double> hi) { min = lo; max = hi; return *this; }
  OptionSpec& require() { required = true; return *this; }
};

// Builders for the common cases.
OptionSpec flag_option(std::string name, bool default_value, std::string doc);
OptionSpec int_option(std::string name, std::optional<std::int64_t> default_value, std::string doc);
OptionSpec float_option(std::string name, std::optional<double> default_value, std::string doc);
OptionSpec string_option(std::string name, std::optional<std::string> default_value, std::string doc);
OptionSpec choice_option(std::string name, std::string default_value, std::vector<std::string> choices, std::string doc);
OptionSpec list_option(std::string name, std::optional<std::vector<std::string>> default_value, std::string doc);
OptionSpec string_or_list_option(std::string name, std::optional<Value> default_value, std::string doc);
OptionSpec int_list_option(std::string name, std::optional<std::vector<std::int64_t>> default_value, std::string doc);
OptionSpec table_option(std::string name, std::string doc);
OptionSpec path_option(std::string name, PathKind kind, std::optional<std::string> default_value, std::string doc);

class OptionSchema {
 public:
  OptionSpec& add(OptionSpec spec);
  void extend(const OptionSchema& other);
  const std::vector<OptionSpec>& specs() const { return specs_; }
  const OptionSpec* find(std::string_view name) const;
  std::vector<std::string> names() const;

 private:
  std::vector<OptionSpec> specs_;
};

// The validated options of one stage: every declared option with a default is
// present; each value remembers where in the pipeline file it came from.
class Options {
 public:
  Options() = default;
  Options(std::string section, std::string plugin, Location section_location)
      : section_(std::move(section)), plugin_(std::move(plugin)), section_location_(std::move(section_location)) {}

  void set(const std::string& name, Value value, Location where);
  bool has(std::string_view name) const;

  bool get_bool(std::string_view name) const;
  std::int64_t get_int(std::string_view name) const;
  double get_float(std::string_view name) const;
  const std::string& get_string(std::string_view name) const;
  const std::vector<std::string>& get_strings(std::string_view name) const;
  const std::vector<std::int64_t>& get_ints(std::string_view name) const;  // an IntList, one integer as a list of one
  const StringTable& get_table(std::string_view name) const;
  std::filesystem::path get_path(std::string_view name) const;
  std::optional<std::string> find_string(std::string_view name) const;
  const Value& get(std::string_view name) const;

  // Whether the option took its schema default (the pipeline and --set left it out).
  bool is_default(std::string_view name) const;
  // Where the option was set; the section header when it took its default.
  Location location(std::string_view name) const;
  const std::string& section() const { return section_; }
  const std::string& plugin() const { return plugin_; }
  const Location& section_location() const { return section_location_; }
  const std::map<std::string, std::pair<Value, Location>, std::less<>>& values() const { return values_; }

  // "[section] plugin: " — the prefix of every message about these options.
  std::string context() const;

 private:
  const std::pair<Value, Location>& entry(std::string_view name) const;
  std::string section_;
  std::string plugin_;
  Location section_location_;
  std::map<std::string, std::pair<Value, Location>, std::less<>> values_;
};

}  // namespace tp
