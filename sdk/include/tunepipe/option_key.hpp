#pragma once
// One declaration per plugin option. A key carries the option's schema entry
// (name, type, default, doc, constraints) and reads it back with the C++ type
// that entry promises, so the name is written once: the schema is built from
// the keys and every read goes through them.
//
//   const auto kRank = int_key("r", 8, "rank of the update").range(1, std::nullopt);
//   OptionSchema schema() { return schema_of(kRank, kAlpha); }
//   config.r = kRank.read(options);
//
// tests/python/test_option_keys.py fails for any read of an option by a
// literal name in the plugins, the SDK and the examples.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "tunepipe/options.hpp"

namespace tp {

template <class T>
class OptionKey {
  static_assert(std::is_same_v<T, bool> || std::is_same_v<T, std::int64_t> || std::is_same_v<T, double> ||
                    std::is_same_v<T, std::string> || std::is_same_v<T, std::vector<std::string>> ||
                    std::is_same_v<T, std::vector<std::int64_t>> || std::is_same_v<T, StringTable> ||
                    std::is_same_v<T, std::filesystem::path> || std::is_same_v<T, Value>,
                "an option reads as bool, int64, double, string, string list, int list, table, path or Value");

 public:
  explicit OptionKey(OptionSpec spec) : spec_(std::move(spec)) {}

  const OptionSpec& spec() const { return spec_; }
  const std::string& name() const { return spec_.name; }

  OptionKey& range(std::optional<double> lo, std::optional<double> hi) {
    spec_.range(lo, hi);
    return *this;
  }
  OptionKey& require() {
    spec_.require();
    return *this;
  }
  // The same option with another default, for an option several plugins
  // declare alike but default differently (a template's system prompt).
  OptionKey with_default(T value) const {
    OptionKey copy = *this;
    if constexpr (std::is_same_v<T, std::filesystem::path>)
      copy.spec_.default_value = Value{value.string()};
    else
      copy.spec_.default_value = Value{std::move(value)};
    return copy;
  }

  // The same option described for one plugin (a dataset's file kind).
  OptionKey with_doc(std::string doc) const {
    OptionKey copy = *this;
    copy.spec_.doc = std::move(doc);
    return copy;
  }

  // The value the file or --set gave, else the default; an option without a
  // default that was left out is a tp::Error (use find). Strings, lists and
  // tables come back as references into `options`.
  decltype(auto) read(const Options& options) const {
    if constexpr (std::is_same_v<T, bool>) return options.get_bool(spec_.name);
    else if constexpr (std::is_same_v<T, std::int64_t>) return options.get_int(spec_.name);
    else if constexpr (std::is_same_v<T, double>) return options.get_float(spec_.name);
    else if constexpr (std::is_same_v<T, std::string>) return options.get_string(spec_.name);
    else if constexpr (std::is_same_v<T, std::vector<std::string>>) return options.get_strings(spec_.name);
    else if constexpr (std::is_same_v<T, std::vector<std::int64_t>>) return options.get_ints(spec_.name);
    else if constexpr (std::is_same_v<T, StringTable>) return options.get_table(spec_.name);
    else if constexpr (std::is_same_v<T, std::filesystem::path>) return options.get_path(spec_.name);
    else return options.get(spec_.name);
  }
  // The value, or nothing for an option without a default that was left out.
  std::optional<T> find(const Options& options) const {
    if (!options.has(spec_.name)) return std::nullopt;
    return std::optional<T>(read(options));
  }
  bool is_set(const Options& options) const { return options.has(spec_.name); }
  // Whether the pipeline and --set left it at its default.
  bool is_default(const Options& options) const { return options.is_default(spec_.name); }
  // Where the option was set; the section header when it took its default.
  Location location(const Options& options) const { return options.location(spec_.name); }

 private:
  OptionSpec spec_;
};

inline OptionKey<bool> flag_key(std::string name, bool default_value, std::string doc) {
  return OptionKey<bool>(flag_option(std::move(name), default_value, std::move(doc)));
}
inline OptionKey<std::int64_t> int_key(std::string name, std::optional<std::int64_t> default_value, std::string doc) {
  return OptionKey<std::int64_t>(int_option(std::move(name), default_value, std::move(doc)));
}
inline OptionKey<double> float_key(std::string name, std::optional<double> default_value, std::string doc) {
  return OptionKey<double>(float_option(std::move(name), default_value, std::move(doc)));
}
inline OptionKey<std::string> string_key(std::string name, std::optional<std::string> default_value, std::string doc) {
  return OptionKey<std::string>(string_option(std::move(name), std::move(default_value), std::move(doc)));
}
inline OptionKey<std::string> choice_key(std::string name, std::string default_value, std::vector<std::string> choices,
                                         std::string doc) {
  return OptionKey<std::string>(
      choice_option(std::move(name), std::move(default_value), std::move(choices), std::move(doc)));
}
inline OptionKey<std::vector<std::string>> list_key(std::string name,
                                                    std::optional<std::vector<std::string>> default_value,
                                                    std::string doc) {
  return OptionKey<std::vector<std::string>>(list_option(std::move(name), std::move(default_value), std::move(doc)));
}
// One string or a list of strings, read as the Value the file wrote.
inline OptionKey<Value> string_or_list_key(std::string name, std::optional<Value> default_value, std::string doc) {
  return OptionKey<Value>(string_or_list_option(std::move(name), std::move(default_value), std::move(doc)));
}
inline OptionKey<std::vector<std::int64_t>> int_list_key(std::string name,
                                                         std::optional<std::vector<std::int64_t>> default_value,
                                                         std::string doc) {
  return OptionKey<std::vector<std::int64_t>>(
      int_list_option(std::move(name), std::move(default_value), std::move(doc)));
}
inline OptionKey<StringTable> table_key(std::string name, std::string doc) {
  return OptionKey<StringTable>(table_option(std::move(name), std::move(doc)));
}
inline OptionKey<std::filesystem::path> path_key(std::string name, PathKind kind,
                                                 std::optional<std::string> default_value, std::string doc) {
  return OptionKey<std::filesystem::path>(path_option(std::move(name), kind, std::move(default_value), std::move(doc)));
}

// The schema of these keys, in this order.
template <class... Keys>
OptionSchema schema_of(const Keys&... keys) {
  OptionSchema schema;
  (schema.add(keys.spec()), ...);
  return schema;
}

// Options read into the members of a settings struct, one bind() per option:
// its key and the member it fills. A member that is a std::optional stays
// empty when an option without a default is left out.
template <class Settings>
class OptionBindings {
 public:
  template <class T, class Member>
  OptionBindings& bind(Member Settings::*member, const OptionKey<T>& key) {
    schema_.add(key.spec());
    readers_.push_back([member, key](const Options& options, Settings& settings) {
      if constexpr (is_optional<Member>::value) {
        if (auto value = key.find(options)) settings.*member = std::move(*value);
      } else {
        settings.*member = key.read(options);
      }
    });
    return *this;
  }

  const OptionSchema& schema() const { return schema_; }
  Settings read(const Options& options) const {
    Settings settings;
    for (const auto& reader : readers_) reader(options, settings);
    return settings;
  }

 private:
  template <class M>
  struct is_optional : std::false_type {};
  template <class M>
  struct is_optional<std::optional<M>> : std::true_type {};

  OptionSchema schema_;
  std::vector<std::function<void(const Options&, Settings&)>> readers_;
};

}  // namespace tp
