#pragma once
// "文本:{text},分类选项列表:{category}" — the declarative dataset transfer.
// {name} inserts a record field (strings as they are, other JSON values
// serialised compactly), {{ and }} are literal braces, {a.b} reaches into
// nested objects.
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "tunepipe/error.hpp"

namespace tp {

class FieldTemplate {
 public:
  FieldTemplate() = default;
  // Throws tp::Error (with `where`) on an unbalanced brace or empty field name.
  FieldTemplate(std::string_view pattern, const Location& where);

  // Throws tp::Error naming `where` (the record), the missing field and the
  // fields the record has.
  std::string render(const nlohmann::json& record, const Location& where) const;
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

// The record's field names, for messages.
std::string describe_fields(const nlohmann::json& record);

}  // namespace tp
