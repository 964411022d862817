#include <catch2/catch.hpp>

#include "dataset_test_support.hpp"
#include "tunepipe/field_template.hpp"


namespace {

const tp::Location option_at{"pipeline.toml", 12, 1};
const tp::Location record_at{"data/train.jsonl", 118};

std::string render(const std::string& pattern, const char* record_json) {
  return tp::FieldTemplate(pattern, option_at).render(tp::RecordJson::parse(record_json), record_at);
}

}  // namespace

TEST_CASE("field templates render record fields", "[field_template]") {
  const char* news = R"({"text": "新闻", "category": "体育,财经", "output": "体育", "n": 3, "ok": true,
                         "tags": ["a", "b"], "meta": {"source": "web", "a.b": 1}, "nothing": null, "a.b": "dotted"})";
  // Golden table: pattern → rendering.
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"文本:{text},分类选项列表:{category}", "文本:新闻,分类选项列表:体育,财经"},
      {"{output}", "体育"},
      {"plain text", "plain text"},
      {"", ""},
      {"{{literal}} {text}", "{literal} 新闻"},
      {"}}{{", "}{"},
      {"{n}/{ok}/{nothing}", "3/true/null"},
      {"{tags}", R"(["a","b"])"},
      {"{meta}", R"({"source":"web","a.b":1})"},
      {"{meta.source}", "web"},
      {"{a.b}", "dotted"},  // a key holding the dot wins over the path
      {"{text}{text}", "新闻新闻"},
  };
  for (const auto& [pattern, expected] : cases) {
    INFO(pattern);
    CHECK(render(pattern, news) == expected);
  }
}

TEST_CASE("field templates list the fields they name", "[field_template]") {
  const tp::FieldTemplate pattern("文本:{text},分类选项列表:{category} {{x}}", option_at);
  CHECK(pattern.fields() == std::vector<std::string>{"text", "category"});
  CHECK_FALSE(pattern.empty());
  CHECK(tp::FieldTemplate().empty());
  CHECK(tp::FieldTemplate("", option_at).empty());
}

TEST_CASE("bad field templates are rejected where they are written", "[field_template]") {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"{text", "field template \"{text\": '{' at character 1 is never closed (write {{ for a literal brace)"},
      {"a {b {c}", "field template \"a {b {c}\": '{' at character 3 is never closed (write {{ for a literal brace)"},
      {"文本}", "field template \"文本}\": '}' at character 3 has no matching '{' (write }} for a literal brace)"},
      {"x{}", "field template \"x{}\": empty field name at character 2"},
  };
  for (const auto& [pattern, message] : cases) {
    INFO(pattern);
    CHECK(error_of([&] { tp::FieldTemplate(pattern, option_at); }) == "pipeline.toml:12:1: error: " + message);
  }
}

TEST_CASE("a missing field names the record and the fields it has", "[field_template]") {
  CHECK(error_of([] { render("文本:{text},分类选项列表:{category}", R"({"text": "t", "output": "o"})"); }) ==
        "data/train.jsonl:118: error: field \"category\" missing in record (fields seen: text, output)");
  CHECK(error_of([] { render("{meta.author}", R"({"meta": {"source": "web"}})"); }) ==
        "data/train.jsonl:118: error: field \"meta.author\" missing in record (fields seen: meta)");
  CHECK(error_of([] { render("{text.x}", R"({"text": "t"})"); }) ==
        "data/train.jsonl:118: error: field \"text.x\" missing in record (fields seen: text)");
  CHECK(error_of([] { render("{x}", "{}"); }) ==
        "data/train.jsonl:118: error: field \"x\" missing in record (fields seen: none)");
}

TEST_CASE("has_fields tells whether every named field is present and not null", "[field_template]") {
  const tp::FieldTemplate pattern("{a} {b.c}", option_at);
  CHECK(pattern.has_fields(tp::RecordJson::parse(R"({"a": "", "b": {"c": 0}})")));
  CHECK_FALSE(pattern.has_fields(tp::RecordJson::parse(R"({"a": null, "b": {"c": 0}})")));
  CHECK_FALSE(pattern.has_fields(tp::RecordJson::parse(R"({"a": "x"})")));
  CHECK(tp::FieldTemplate("no fields", option_at).has_fields(tp::RecordJson::object()));
}

TEST_CASE("records describe their fields and kinds for messages", "[field_template]") {
  CHECK(tp::describe_fields(tp::RecordJson::parse(R"({"b": 1, "a": 2})")) == "b, a");
  CHECK(tp::describe_kind(tp::RecordJson::parse("[1]")) == "a list");
  CHECK(tp::describe_kind(tp::RecordJson::parse("{}")) == "an object");
  CHECK(tp::describe_kind(tp::RecordJson::parse("\"s\"")) == "a string");
  CHECK(tp::describe_kind(tp::RecordJson::parse("1.5")) == "a number");
  CHECK(tp::describe_kind(tp::RecordJson::parse("false")) == "a boolean");
  CHECK(tp::describe_kind(tp::RecordJson::parse("null")) == "null");
}
