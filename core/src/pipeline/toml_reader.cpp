#include "pipeline/toml_reader.hpp"

#include <fmt/format.h>

#include <fstream>
#include <sstream>
#include <toml++/toml.h>

#include "tunepipe/toml_text.hpp"

namespace tp::core {
namespace {

Location location_of(const toml::source_region& region, const std::string& file) {
  return Location{file, static_cast<std::uint32_t>(region.begin.line), static_cast<std::uint32_t>(region.begin.column)};
}

RawNode convert(const toml::node& node, const std::string& file) {
  RawNode raw;
  raw.where = location_of(node.source(), file);
  raw.key_where = raw.where;
  if (const auto* t = node.as_table()) {
    raw.type = RawNode::Type::Table;
    for (const auto& [key, value] : *t) {
      RawNode child = convert(value, file);
      child.key_where = location_of(key.source(), file);
      if (!child.key_where.line) child.key_where = child.where;
      raw.entries.emplace_back(std::string(key.str()), std::move(child));
    }
  } else if (const auto* a = node.as_array()) {
    raw.type = RawNode::Type::Array;
    for (const auto& item : *a) raw.items.push_back(convert(item, file));
  } else if (const auto* s = node.as_string()) {
    raw.type = RawNode::Type::String;
    raw.string = s->get();
  } else if (const auto* i = node.as_integer()) {
    raw.type = RawNode::Type::Int;
    raw.integer = i->get();
  } else if (const auto* f = node.as_floating_point()) {
    raw.type = RawNode::Type::Float;
    raw.real = f->get();
  } else if (const auto* b = node.as_boolean()) {
    raw.type = RawNode::Type::Bool;
    raw.boolean = b->get();
  } else {
    raw.type = RawNode::Type::Other;
  }
  return raw;
}

RawNode parse(std::string_view text, const std::string& source_name) {
  if (const auto found = non_ascii_outside_toml_strings(text))
    throw ValidationError({Diagnostic{Location{source_name, found->line, found->column},
                                      fmt::format("invalid TOML: '{}' outside a quoted string (keys and values other "
                                                  "than strings are ASCII: quote the key or the value)",
                                                  found->character)}});
  try {
    const toml::table table = toml::parse(text, source_name);
    RawNode root = convert(table, source_name);
    root.where = Location{source_name, 0, 0};
    return root;
  } catch (const toml::parse_error& e) {
    throw ValidationError({Diagnostic{location_of(e.source(), source_name),
                                      fmt::format("invalid TOML: {}", e.description())}});
  }
}

}  // namespace

RawNode read_toml_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error(Location{file.string()}, "cannot read the pipeline file (does it exist?)");
  std::stringstream buffer;
  buffer << in.rdbuf();
  return parse(buffer.str(), file.string());
}

RawNode read_toml_text(std::string_view text, const std::string& source_name) { return parse(text, source_name); }

RawNode parse_override_value(std::string_view text, const Location& where) {
  // Text with non-ASCII outside quotes is no TOML value (and is kept from toml++): a plain string.
  if (!non_ascii_outside_toml_strings(text)) {
    try {
      const toml::table table = toml::parse(fmt::format("value = {}", text), where.file);
      if (const toml::node* node = table.get("value")) {
        RawNode raw = convert(*node, where.file);
        raw.where = where;
        raw.key_where = where;
        return raw;
      }
    } catch (const toml::parse_error&) {
    }
  }
  RawNode raw;
  raw.type = RawNode::Type::String;
  raw.string = std::string(text);
  raw.where = where;
  raw.key_where = where;
  return raw;
}

}  // namespace tp::core
