#pragma once
// What the record-file dataset plugins share: the train/test options, the
// seeded split, the alpaca-style field mapping and a base stage that turns
// each record of a split into a conversation.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tunepipe/conversation.hpp"
#include "tunepipe/dataset.hpp"
#include "tunepipe/error.hpp"
#include "tunepipe/field_template.hpp"
#include "tunepipe/option_key.hpp"
#include "tunepipe/options.hpp"
#include "tunepipe/records.hpp"

namespace tp {

// ---- options --------------------------------------------------------------

// train, test, test_ratio, seed, limit; `file_kind` names the file format in the docs.
OptionSchema record_files_schema(std::string_view file_kind);
// format = "auto" | "json" | "jsonl", for plugins that read either.
const OptionKey<std::string>& record_format_key();
RecordFormat record_format(const Options& options);  // Auto unless a "format" option says otherwise
// Checks that involve several of the record_files_schema options.
void validate_record_files(const Options& options, Diagnostics& diagnostics);
// Reports each key of the table option `table` that is not in `allowed`.
void check_table_keys(const Options& options, const OptionKey<StringTable>& table,
                      const std::vector<std::string>& allowed, Diagnostics& diagnostics);

// ---- splits ---------------------------------------------------------------

// The seeded shuffle behind test_ratio, defined here rather than by the
// standard library so every build (and the Python tests) agree: SplitMix64
// seeded with `seed` drives a Fisher–Yates shuffle of 0..count-1 that, for
// i = count-1 down to 1, swaps positions i and next() % (i + 1).
std::vector<std::size_t> seeded_permutation(std::size_t count, std::uint64_t seed);
// Records going to the test split: round(count * ratio), half away from zero.
std::size_t test_count(std::size_t count, double ratio);

// Which records of which file make up each split: the train file, and the
// test file or a seeded share of the train file's records. Records keep their
// file order within a split; `limit` keeps the first ones of each split.
class RecordSplits {
 public:
  RecordSplits(const Options& options, const StageContext& context, RecordFormat format);

  std::vector<std::string> names() const;
  // Visits the records of `split`; throws tp::Error (without the options'
  // context prefix) on bad records and when the split is empty.
  void for_each(std::string_view split, const std::function<void(const Record&)>& visit) const;

 private:
  const std::vector<bool>& test_mask() const;

  std::filesystem::path train_;
  std::optional<std::filesystem::path> test_;
  RecordFormat format_;
  double test_ratio_;
  std::uint64_t seed_;
  std::size_t limit_;
  mutable std::optional<std::vector<bool>> test_mask_;  // by record index in the train file
};

// ---- conversations --------------------------------------------------------

// The [dataset.fields] table: FieldTemplate patterns for FieldMapping::from_patterns.
const OptionKey<StringTable>& fields_key();
// The [dataset.columns] table: alpaca column renames for FieldMapping::from_columns.
const OptionKey<StringTable>& columns_key();

// The record's top-level fields for Conversation::fields: strings as they are,
// numbers, booleans and flat arrays (a row's options) as compact JSON; nested
// objects are left out.
std::map<std::string, std::string> record_fields(const RecordJson& record);

// The alpaca-style transfer of one record: system; instruction and input,
// joined by "\n" when both are non-empty (as LLaMA-Factory does), make the
// user turn; output is the trained assistant turn; an optional history field
// holds earlier [user, assistant] pairs, whose assistant turns are trained too.
class FieldMapping {
 public:
  static inline const std::vector<std::string> keys = {"system", "instruction", "input", "output", "history"};

  // From a table of FieldTemplate patterns ([dataset.fields]). An empty table
  // means instruction = "{instruction}", input = "{input}" (may be absent),
  // output = "{output}". Otherwise the table is the whole mapping: it needs
  // output and instruction or input, and every field it names must exist.
  static FieldMapping from_patterns(const Options& options, const OptionKey<StringTable>& table);
  // From a table renaming alpaca's columns ([dataset.columns]); unnamed keys
  // keep their own name. instruction and output must exist; input, system and
  // history may be absent or null.
  static FieldMapping from_columns(const Options& options, const OptionKey<StringTable>& table);
  static void validate_patterns(const Options& options, const OptionKey<StringTable>& table, Diagnostics& diagnostics);
  static void validate_columns(const Options& options, const OptionKey<StringTable>& table, Diagnostics& diagnostics);

  // Throws tp::Error at `where` naming a missing field or a malformed history.
  Conversation convert(const RecordJson& record, const Location& where) const;

 private:
  struct Slot {
    FieldTemplate pattern;  // empty: the slot is not mapped
    bool optional = false;  // renders "" when a field it names is absent or null
  };
  enum class Source { Patterns, Columns };
  static FieldMapping build(const Options& options, const OptionKey<StringTable>& table, Source source, Diagnostics& diagnostics);
  static std::string render(const Slot& slot, const RecordJson& record, const Location& where);
  void append_history(const RecordJson& record, const Location& where, Conversation& conversation) const;

  Slot system_, instruction_, input_, output_;
  std::string history_;  // the field holding earlier pairs; empty: none
};

// A dataset stage over record files: splits() and read() come from
// RecordSplits; each record becomes a conversation through convert(), and
// read() adds its source ("file:line") and string fields. Errors about the
// data carry the options' context ("[dataset] jsonl: ").
class RecordDataset : public DatasetStage {
 public:
  std::vector<std::string> splits() const override;
  void read(std::string_view split, const std::function<void(Conversation&&)>& emit) override;

 protected:
  RecordDataset(const Options& options, const StageContext& context, RecordFormat format);
  virtual Conversation convert(const Record& record) const = 0;

 private:
  std::string context_;
  RecordSplits splits_;
};

// A RecordDataset whose records map to conversations through a FieldMapping.
class FieldMappedDataset : public RecordDataset {
 protected:
  FieldMappedDataset(const Options& options, const StageContext& context, RecordFormat format, FieldMapping mapping);
  Conversation convert(const Record& record) const override;

 private:
  FieldMapping mapping_;
};

}  // namespace tp
