#include "tunepipe/dataset_support.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>

#include "record_file_keys.hpp"

namespace tp {

OptionSchema record_files_schema(std::string_view file_kind) {
  namespace keys = record_file_keys;
  return schema_of(keys::train.with_doc(fmt::format("{} with the training records", file_kind)),
                   keys::test.with_doc(fmt::format("{} with the test records (optional)", file_kind)),
                   keys::test_ratio, keys::seed, keys::limit);
}

const OptionKey<std::string>& record_format_key() {
  static const auto key =
      choice_key("format", "auto", {"auto", "json", "jsonl"},
                 "json: one array of objects; jsonl: one object per line; auto: jsonl for .jsonl/.ndjson files");
  return key;
}

RecordFormat record_format(const Options& options) {
  const std::optional<std::string> format = record_format_key().find(options);
  if (format == "json") return RecordFormat::Json;
  if (format == "jsonl") return RecordFormat::JsonLines;
  return RecordFormat::Auto;
}

void validate_record_files(const Options& options, Diagnostics& diagnostics) {
  namespace keys = record_file_keys;
  const double ratio = keys::test_ratio.read(options);
  if (ratio > 0 && keys::test.is_set(options))
    diagnostics.error(keys::test_ratio.location(options),
                      options.context() + "test_ratio cannot be combined with test: the test split comes either "
                                          "from the test file or from a share of the train records");
  if (ratio >= 1)
    diagnostics.error(keys::test_ratio.location(options),
                      options.context() + "test_ratio must be below 1, or no records are left for training");
}

void check_table_keys(const Options& options, const OptionKey<StringTable>& table,
                      const std::vector<std::string>& allowed, Diagnostics& diagnostics) {
  std::vector<std::string> sorted = allowed;
  std::sort(sorted.begin(), sorted.end());
  for (const auto& [key, value] : table.read(options))
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end())
      diagnostics.error(table.location(options), fmt::format("{}unknown key \"{}\" in {} (allowed: {})",
                                                             options.context(), key, table.name(),
                                                             fmt::join(sorted, ", ")));
}

std::vector<std::size_t> seeded_permutation(std::size_t count, std::uint64_t seed) {
  std::uint64_t state = seed;
  auto next = [&state] {  // SplitMix64
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  };
  std::vector<std::size_t> order(count);
  for (std::size_t i = 0; i < count; ++i) order[i] = i;
  for (std::size_t i = count; i > 1; --i) std::swap(order[i - 1], order[next() % i]);
  return order;
}

std::size_t test_count(std::size_t count, double ratio) {
  return static_cast<std::size_t>(std::llround(static_cast<double>(count) * ratio));
}

const OptionKey<StringTable>& fields_key() {
  static const auto key = table_key("fields", "the transfer: system, instruction, input, output patterns such as \"文本:{text}\", "
                                "and history, a field of [user, assistant] pairs (empty: alpaca's field names)");
  return key;
}

const OptionKey<StringTable>& columns_key() {
  static const auto key = table_key("columns", "record fields read for instruction, input, output, system and history "
                                 "(each defaults to its own name)");
  return key;
}

std::map<std::string, std::string> record_fields(const RecordJson& record) {
  const auto flat = [](const RecordJson& value) {
    return value.is_primitive() ||
           (value.is_array() && std::all_of(value.begin(), value.end(), [](const auto& v) { return v.is_primitive(); }));
  };
  std::map<std::string, std::string> fields;
  for (const auto& [key, value] : record.items())
    if (flat(value)) fields.emplace(key, value.is_string() ? value.get<std::string>() : value.dump());
  return fields;
}

}  // namespace tp
