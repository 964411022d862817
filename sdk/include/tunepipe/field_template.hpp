#pragma once
// "文本:{text},分类选项列表:{category}" — the declarative dataset transfer.
// {name} inserts a record field (strings as they are, other JSON values
// serialised compactly), {{ and }} are literal braces, {a.b} reaches into
// nested objects (a key that itself contains the dot wins).
#include <string>
#include <string_view>
#include <vector>

#include "tunepipe/error.hpp"
#include "tunepipe/records.hpp"

namespace tp {

class FieldTemplate {
 public:
  FieldTemplate() = default;
  // Throws tp::Error (with `where`) on an unbalanced brace or empty field name.
  FieldTemplate(std::string_view pattern, const Location& where);

  // Throws tp::Error naming `where` (the record), the missing field and the
  // fields the record has.
  std::string render(const RecordJson& record, const Location& where) const;
  // Whether every field the template names is present and not null.
  bool has_fields(const RecordJson& record) const;
  const std::vector<std::string>& fields() const { return fields_; }
  bool empty() const { return parts_.empty(); }

 private:
  struct Part {
    bool is_field;
    std::string text;  // literal text or field path
  };
  std::vector<Part> parts_;
  std::vector<std::string> fields_;
};

// The record's field names in file order ("none" for an empty record), for messages.
std::string describe_fields(const RecordJson& record);
// "a string", "a number", "a list", "an object", "null"…, for messages.
std::string describe_kind(const RecordJson& value);

}  // namespace tp
