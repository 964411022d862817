#include "tunepipe/dataset_support.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>

namespace tp {

OptionSchema record_files_schema(std::string_view file_kind) {
  OptionSchema schema;
  schema.add(path_option("train", PathKind::ExistingFile, std::nullopt,
                         fmt::format("{} with the training records", file_kind)))
      .require();
  schema.add(path_option("test", PathKind::ExistingFile, std::nullopt,
                         fmt::format("{} with the test records (optional)", file_kind)));
  schema.add(float_option("test_ratio", 0.0,
                          "share of the train records held out as the test split when there is no test file (0: none)"))
      .range(0, 1);
  schema.add(int_option("seed", std::nullopt, "seed of the test_ratio split (default: the pipeline seed)"))
      .range(0, std::nullopt);
  schema.add(int_option("limit", 0, "records kept per split, the first ones in file order (0: all)"))
      .range(0, std::nullopt);
  return schema;
}

OptionSpec record_format_option() {
  return choice_option("format", "auto", {"auto", "json", "jsonl"},
                       "json: one array of objects; jsonl: one object per line; auto: jsonl for .jsonl/.ndjson files");
}

RecordFormat record_format(const Options& options) {
  const std::optional<std::string> format = options.find_string("format");
  if (format == "json") return RecordFormat::Json;
  if (format == "jsonl") return RecordFormat::JsonLines;
  return RecordFormat::Auto;
}

void validate_record_files(const Options& options, Diagnostics& diagnostics) {
  const double ratio = options.get_float("test_ratio");
  if (ratio > 0 && options.has("test"))
    diagnostics.error(options.location("test_ratio"),
                      options.context() + "test_ratio cannot be combined with test: the test split comes either "
                                          "from the test file or from a share of the train records");
  if (ratio >= 1)
    diagnostics.error(options.location("test_ratio"),
                      options.context() + "test_ratio must be below 1, or no records are left for training");
}

void check_table_keys(const Options& options, std::string_view name, const std::vector<std::string>& allowed,
                      Diagnostics& diagnostics) {
  std::vector<std::string> sorted = allowed;
  std::sort(sorted.begin(), sorted.end());
  for (const auto& [key, value] : options.get_table(name))
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end())
      diagnostics.error(options.location(name), fmt::format("{}unknown key \"{}\" in {} (allowed: {})",
                                                            options.context(), key, name, fmt::join(sorted, ", ")));
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

OptionSpec fields_option() {
  return table_option("fields", "the transfer: system, instruction, input, output patterns such as \"文本:{text}\", "
                                "and history, a field of [user, assistant] pairs (empty: alpaca's field names)");
}

OptionSpec columns_option() {
  return table_option("columns", "record fields read for instruction, input, output, system and history "
                                 "(each defaults to its own name)");
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
