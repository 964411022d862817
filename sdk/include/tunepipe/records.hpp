#pragma once
// Streaming JSON / JSON Lines records with their location, for dataset plugins.
#include <cstdint>
#include <filesystem>
#include <functional>

#include <nlohmann/json.hpp>

#include "tunepipe/error.hpp"

namespace tp {

enum class RecordFormat { Auto, Json, JsonLines };  // Auto: by extension (.jsonl/.ndjson → lines)

struct Record {
  const nlohmann::json& value;  // an object
  Location where;               // file and line (JSON arrays: the line the record starts on)
  std::size_t index;            // 0-based position in the file
};

// Calls visit for each record in file order. Throws tp::Error naming file and
// line on unreadable files, malformed JSON and records that are not objects.
// JSON Lines are read line by line, so a large file is never held whole.
void for_each_record(const std::filesystem::path& file, RecordFormat format,
                     const std::function<void(const Record&)>& visit);

// Counts records without keeping them (for seeded splits).
std::size_t count_records(const std::filesystem::path& file, RecordFormat format);

}  // namespace tp
