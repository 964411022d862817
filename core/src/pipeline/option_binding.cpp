#include "pipeline/option_binding.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "util/suggest.hpp"

namespace tp::core {
namespace {

namespace fs = std::filesystem;

std::string expected_message(const Options& o, const std::string& key, std::string_view expected, const RawNode& got) {
  return fmt::format("{}\"{}\" must be {}, not {}", o.context(), key, expected, type_name(got.type));
}

std::optional<Value> convert(const OptionSpec& spec, const RawNode& node, const Options& o, Diagnostics& errors) {
  using T = RawNode::Type;
  switch (spec.type) {
    case OptionType::Bool:
      if (node.type == T::Bool) return Value{node.boolean};
      errors.error(node.where, expected_message(o, spec.name, "true or false", node));
      return std::nullopt;
    case OptionType::Int:
      if (node.type == T::Int) return Value{node.integer};
      errors.error(node.where, expected_message(o, spec.name, "an integer", node));
      return std::nullopt;
    case OptionType::Float:
      if (node.type == T::Float) return Value{node.real};
      if (node.type == T::Int) return Value{static_cast<double>(node.integer)};
      errors.error(node.where, expected_message(o, spec.name, "a number", node));
      return std::nullopt;
    case OptionType::String:
    case OptionType::Path:
      if (node.type == T::String) return Value{node.string};
      errors.error(node.where, expected_message(o, spec.name, "a string", node));
      return std::nullopt;
    case OptionType::StringOrList:
      if (node.type == T::String) return Value{node.string};
      [[fallthrough]];
    case OptionType::StringList: {
      if (node.type != T::Array) {
        const bool single = spec.type == OptionType::StringOrList;
        errors.error(node.where,
                     expected_message(o, spec.name, single ? "a string or an array of strings" : "an array of strings",
                                      node));
        return std::nullopt;
      }
      std::vector<std::string> list;
      for (const RawNode& item : node.items) {
        if (item.type != T::String) {
          errors.error(item.where, expected_message(o, spec.name + "[]", "a string", item));
          return std::nullopt;
        }
        list.push_back(item.string);
      }
      return Value{std::move(list)};
    }
    case OptionType::IntList: {
      if (node.type == T::Int) return Value{std::vector<std::int64_t>{node.integer}};
      if (node.type != T::Array) {
        errors.error(node.where, expected_message(o, spec.name, "an integer or an array of integers", node));
        return std::nullopt;
      }
      std::vector<std::int64_t> list;
      for (const RawNode& item : node.items) {
        if (item.type != T::Int) {
          errors.error(item.where, expected_message(o, spec.name + "[]", "an integer", item));
          return std::nullopt;
        }
        list.push_back(item.integer);
      }
      return Value{std::move(list)};
    }
    case OptionType::StringTable: {
      if (node.type != T::Table) {
        errors.error(node.where, expected_message(o, spec.name, "a table of strings", node));
        return std::nullopt;
      }
      StringTable table;
      for (const auto& [key, item] : node.entries) {
        if (item.type != T::String) {
          errors.error(item.where, expected_message(o, spec.name + "." + key, "a string", item));
          return std::nullopt;
        }
        table[key] = item.string;
      }
      return Value{std::move(table)};
    }
  }
  return std::nullopt;
}

void check_constraints(const OptionSpec& spec, const Value& value, const Location& where, const Options& o,
                       const BindingSettings& settings, Diagnostics& errors, Diagnostics& warnings) {
  if (spec.min || spec.max) {
    double number = 0;
    if (const auto* i = std::get_if<std::int64_t>(&value)) number = static_cast<double>(*i);
    if (const auto* d = std::get_if<double>(&value)) number = *d;
    const bool low = spec.min && number < *spec.min;
    const bool high = spec.max && number > *spec.max;
    if (low || high || std::isnan(number)) {
      std::string range;
      if (spec.min && spec.max) range = fmt::format("between {} and {}", *spec.min, *spec.max);
      else if (spec.min) range = fmt::format("at least {}", *spec.min);
      else range = fmt::format("at most {}", *spec.max);
      errors.error(where, fmt::format("{}\"{}\" = {} is out of range: it must be {}", o.context(), spec.name,
                                      to_display(value), range));
    }
  }
  if (!spec.choices.empty()) {
    const auto& text = std::get<std::string>(value);
    if (std::find(spec.choices.begin(), spec.choices.end(), text) == spec.choices.end())
      errors.error(where, fmt::format("{}\"{}\" = \"{}\" is not allowed{} (choose one of: {})", o.context(), spec.name,
                                      text, did_you_mean(text, spec.choices), join(spec.choices)));
  }
  if (spec.type == OptionType::Path && spec.path_kind != PathKind::Output) {
    const fs::path path = std::get<std::string>(value);
    std::error_code ec;
    std::string problem;
    if (!fs::exists(path, ec)) problem = "does not exist";
    else if (spec.path_kind == PathKind::ExistingFile && !fs::is_regular_file(path, ec)) problem = "is not a file";
    else if (spec.path_kind == PathKind::ExistingDir && !fs::is_directory(path, ec)) problem = "is not a folder";
    if (!problem.empty()) {
      const std::string message = fmt::format("{}\"{}\": {} {} (relative paths are taken from the working folder {})",
                                              o.context(), spec.name, path.string(), problem, fs::current_path().string());
      (settings.require_existing_paths ? errors : warnings).error(where, message);
    }
  }
}

}  // namespace

Options bind_options(const OptionSchema& schema, const RawNode& table, const std::string& section,
                     const std::string& plugin, const std::vector<std::string>& reserved_keys,
                     const BindingSettings& settings, Diagnostics& errors, Diagnostics& warnings) {
  Options options(section, plugin, table.key_where.known() ? table.key_where : table.where);
  // The runtime's own keys of the section (e.g. a sink's `strict`) are allowed too; `plugin` goes without saying.
  std::vector<std::string> allowed = schema.names();
  for (const std::string& key : reserved_keys)
    if (key != "plugin") allowed.push_back(key);
  for (const auto& [key, node] : table.entries) {
    if (std::find(reserved_keys.begin(), reserved_keys.end(), key) != reserved_keys.end()) continue;
    const OptionSpec* spec = schema.find(key);
    if (spec == nullptr) {
      errors.error(node.key_where, fmt::format("{}unknown key \"{}\"{} (allowed: {})", options.context(), key,
                                               did_you_mean(key, allowed), allowed.empty() ? "none" : join(allowed)));
      continue;
    }
    if (auto value = convert(*spec, node, options, errors)) {
      check_constraints(*spec, *value, node.where, options, settings, errors, warnings);
      options.set(key, std::move(*value), node.where);
    }
  }
  for (const OptionSpec& spec : schema.specs()) {
    if (options.has(spec.name) || table.find(spec.name)) continue;
    if (spec.default_value) options.set(spec.name, *spec.default_value, Location{});
    else if (spec.required)
      errors.error(options.section_location(),
                   fmt::format("{}missing required key \"{}\" ({})", options.context(), spec.name, spec.doc));
  }
  return options;
}

}  // namespace tp::core
