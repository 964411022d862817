// The pipeline file reader: TOML text -> RawNode (core/src/pipeline/toml_reader.cpp,
// raw_node.cpp, toml++ compiled in header-only mode so it is instrumented too),
// and the --set value parser on each line of the input.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_support.hpp"
#include "pipeline/raw_node.hpp"
#include "pipeline/toml_reader.hpp"

namespace {

using tp::core::RawNode;

// Visits the tree as the schema binding does: every value, its type name and
// both locations, and key look-ups on each table.
std::size_t walk(const RawNode& node, int depth) {
  std::size_t seen = 1 + tp::core::type_name(node.type).size() + node.where.str().size() + node.key_where.str().size();
  seen += node.string.size();
  for (const RawNode& item : node.items) seen += walk(item, depth + 1);
  for (const auto& [key, child] : node.entries) {
    if (node.find(key) == nullptr) __builtin_trap();  // find() must see every entry it holds
    seen += key.size() + walk(child, depth + 1);
  }
  return seen;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = tp::fuzz::as_text(data, size);
  tp::fuzz::expect_tp_errors_only("read_toml_text", [&] {
    RawNode root = tp::core::read_toml_text(text, "fuzz.toml");
    walk(root, 0);
    // What the loader does with a section it adds for an override.
    RawNode& table = root.get_or_add_table("dataset", tp::Location{"--set", 1, 1});
    (void)table.find("path");
  });

  // `--set section.key=VALUE`: each input line (up to 256 of them) as VALUE.
  std::size_t begin = 0;
  for (int lines = 0; begin <= text.size() && lines < 256; ++lines) {
    std::size_t end = text.find('\n', begin);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view value = text.substr(begin, end - begin);
    tp::fuzz::expect_tp_errors_only("parse_override_value", [&] {
      const RawNode raw = tp::core::parse_override_value(value, tp::Location{"--set", 1, 1});
      walk(raw, 0);
    });
    begin = end + 1;
  }
  return 0;
}
