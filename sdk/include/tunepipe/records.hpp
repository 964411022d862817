#pragma once
// Streaming JSON / JSON Lines records with their location, for dataset plugins.
#include <cstdint>
#include <filesystem>
#include <functional>

#include <nlohmann/json.hpp>

#include "tunepipe/error.hpp"

namespace tp {

// Keeps the file's key order, so messages list fields the way the user wrote them.
using RecordJson = nlohmann::ordered_json;

enum class RecordFormat { Auto, Json, JsonLines };  // Auto: by extension (.jsonl/.ndjson → lines)

// The format a file is read as: `format` unless it is Auto.
RecordFormat resolve_format(const std::filesystem::path& file, RecordFormat format);

struct Record {
  const RecordJson& value;  // an object
  Location where;           // file and line (JSON arrays: the line the record starts on)
  std::size_t index;        // 0-based position in the file
};

// Calls visit for each record in file order. Throws tp::Error naming file and
// line on unreadable files, malformed JSON and records that are not objects.
// Both formats are read incrementally, one record at a time, so a large file
// is never held whole. An empty file (or an empty array) has no records.
void for_each_record(const std::filesystem::path& file, RecordFormat format,
                     const std::function<void(const Record&)>& visit);

// Counts records without keeping them (for seeded splits). JSON Lines count
// their non-blank lines without parsing them.
std::size_t count_records(const std::filesystem::path& file, RecordFormat format);

}  // namespace tp
