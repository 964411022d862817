#include "tunepipe/records.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <string>

#include "json_array_scanner.hpp"
#include "tunepipe/field_template.hpp"
#include "tunepipe/json_input.hpp"

namespace tp {

namespace {

std::ifstream open_records(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error(Location{file.string()}, fmt::format("cannot open records file: {}", std::strerror(errno)));
  return in;
}

bool is_blank(const std::string& line) { return line.find_first_not_of(" \t\r") == std::string::npos; }

void strip_line(std::string& line, bool first) {
  if (!line.empty() && line.back() == '\r') line.pop_back();
  if (first && line.starts_with("\xEF\xBB\xBF")) line.erase(0, 3);  // a UTF-8 byte order mark
}

// A parsed record takes up to ~30 times its text (a JSON value per number or
// string); a record of a real dataset is far below this (a 128k-token context
// is about 0.5 MB of text).
constexpr std::size_t kMaxRecordBytes = std::size_t{16} << 20;

RecordJson parse_record(const std::string& text, const Location& start) {
  if (text.size() > kMaxRecordBytes)
    throw Error(Location{start.file, start.line},
                fmt::format("a record of {:.1f} MiB: a record may hold at most {} MiB (is this a data file of records, "
                            "one per line?)",
                            static_cast<double>(text.size()) / (1 << 20), kMaxRecordBytes >> 20));
  RecordJson value = parse_ordered_json(text, start);
  if (!value.is_object())
    throw Error(Location{start.file, start.line},
                fmt::format("record is {}, expected an object with fields", describe_kind(value)));
  return value;
}

void for_each_line_record(const std::filesystem::path& file, const std::function<void(const Record&)>& visit) {
  std::ifstream in = open_records(file);
  const std::string name = file.string();
  std::string line;
  std::uint32_t line_number = 0;
  std::size_t index = 0;
  while (std::getline(in, line)) {
    strip_line(line, ++line_number == 1);
    if (is_blank(line)) continue;
    const RecordJson value = parse_record(line, Location{name, line_number, 1});
    visit(Record{value, Location{name, line_number}, index++});
  }
  if (in.bad()) throw Error(Location{name, line_number}, "read error");
}

void for_each_array_record(const std::filesystem::path& file, const std::function<void(const Record&)>& visit) {
  std::ifstream in = open_records(file);
  JsonArrayScanner scanner(in, file.string());
  std::string text;
  Location start;
  std::size_t index = 0;
  while (scanner.next(text, start)) {
    const RecordJson value = parse_record(text, start);
    visit(Record{value, Location{start.file, start.line}, index++});
  }
}

}  // namespace

RecordFormat resolve_format(const std::filesystem::path& file, RecordFormat format) {
  if (format != RecordFormat::Auto) return format;
  const std::string extension = file.extension().string();
  return extension == ".jsonl" || extension == ".ndjson" ? RecordFormat::JsonLines : RecordFormat::Json;
}

void for_each_record(const std::filesystem::path& file, RecordFormat format,
                     const std::function<void(const Record&)>& visit) {
  if (resolve_format(file, format) == RecordFormat::JsonLines)
    for_each_line_record(file, visit);
  else
    for_each_array_record(file, visit);
}

std::size_t count_records(const std::filesystem::path& file, RecordFormat format) {
  std::ifstream in = open_records(file);
  std::size_t count = 0;
  if (resolve_format(file, format) == RecordFormat::JsonLines) {
    std::string line;
    for (bool first = true; std::getline(in, line); first = false) {
      strip_line(line, first);
      if (!is_blank(line)) ++count;
    }
  } else {
    JsonArrayScanner scanner(in, file.string());
    std::string text;
    Location start;
    while (scanner.next(text, start)) ++count;
  }
  return count;
}

}  // namespace tp
