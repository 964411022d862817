#pragma once
// CSV as RFC 4180 writes it: a field holding a comma, a double quote, CR or LF
// is put in double quotes with its quotes doubled; records end with CRLF.
#include <string>
#include <string_view>
#include <vector>

namespace tp::sinks {

inline std::string csv_field(std::string_view text) {
  if (text.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(text);
  std::string quoted = "\"";
  for (const char c : text) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  quoted += '"';
  return quoted;
}

inline std::string csv_record(const std::vector<std::string>& fields) {
  std::string record;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) record += ',';
    record += csv_field(fields[i]);
  }
  record += "\r\n";
  return record;
}

}  // namespace tp::sinks
