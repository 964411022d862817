// Dataset records (sdk/src/records.cpp, json_array_scanner.cpp, json_input.cpp):
// the same bytes read as a JSON array (streamed element by element) and as
// JSON Lines, each record then used as dataset plugins use it (dumped,
// walked, counted).
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_support.hpp"
#include "tunepipe/records.hpp"

namespace {

std::size_t walk(const tp::RecordJson& value) {
  std::size_t seen = 1;
  if (value.is_object() || value.is_array())
    for (const auto& item : value.items()) seen += item.key().size() + walk(item.value());
  return seen;
}

void read_as(const std::filesystem::path& file, tp::RecordFormat format, const char* what) {
  tp::fuzz::expect_tp_errors_only(what, [&] {
    std::size_t expected_index = 0;
    tp::for_each_record(file, format, [&](const tp::Record& record) {
      if (!record.value.is_object() || record.index != expected_index++ || record.where.line == 0) __builtin_trap();
      walk(record.value);
      (void)record.value.dump();  // what the conversations writer and messages do
      const tp::RecordJson copy = record.value;
      if (copy != record.value) __builtin_trap();
    });
  });
  tp::fuzz::expect_tp_errors_only(what, [&] { (void)tp::count_records(file, format); });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::filesystem::path file = tp::fuzz::scratch_dir() / "records.data";
  tp::fuzz::write_file(file, tp::fuzz::as_text(data, size));
  read_as(file, tp::RecordFormat::Json, "records (JSON array)");
  read_as(file, tp::RecordFormat::JsonLines, "records (JSON Lines)");
  return 0;
}
