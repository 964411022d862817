#include <catch2/catch.hpp>

#include <algorithm>
#include <memory>

#include "dataset_test_support.hpp"
#include "plugins/plugin_registry.hpp"
#include "tunepipe/dataset.hpp"

using dataset_test::fixture;
using dataset_test::make_options;
using dataset_test::read_split;
using dataset_test::validation_errors;

namespace {

const tp::PluginDescriptor& dataset_plugin(const std::string& name) {
  static tp::core::PluginRegistry* registry = [] {
    auto* r = new tp::core::PluginRegistry;  // plugins stay loaded for the whole process
    r->add_default_search_paths();
    r->discover();
    return r;
  }();
  const tp::core::PluginInfo* info = registry->find("dataset", name);
  INFO("no dataset plugin \"" << name << "\": build the target tunepipe-dataset-" << name);
  REQUIRE(info != nullptr);
  return *info->descriptor;
}

using Values = std::vector<std::pair<std::string, tp::Value>>;

tp::Options plugin_options(const std::string& name, const Values& values) {
  return make_options(dataset_plugin(name).schema(), name, values);
}

std::string validate(const std::string& name, const Values& values) {
  const tp::Options options = plugin_options(name, values);
  return validation_errors([&](tp::Diagnostics& d) { dataset_plugin(name).validate(options, d); });
}

std::unique_ptr<tp::DatasetStage> create(const std::string& name, const Values& values) {
  const tp::Options options = plugin_options(name, values);
  tp::Diagnostics diagnostics;
  dataset_plugin(name).validate(options, diagnostics);
  diagnostics.throw_if_any();
  std::unique_ptr<tp::Stage> stage = dataset_plugin(name).create(options, tp::StageContext{});
  auto* dataset = dynamic_cast<tp::DatasetStage*>(stage.get());
  REQUIRE(dataset != nullptr);
  stage.release();
  return std::unique_ptr<tp::DatasetStage>(dataset);
}

std::vector<tp::Conversation> read_train(const std::string& name, const Values& values) {
  auto dataset = create(name, values);
  return read_split(*dataset, "train");
}

std::string describe(const tp::Conversation& conversation) {
  std::string text = "system=" + conversation.system;
  for (const tp::Turn& turn : conversation.turns)
    text += std::string(" | ") + std::string(tp::to_string(turn.role)) + (turn.trained ? "*" : "") + ": " +
            turn.content;
  return text;
}

std::vector<std::string> sorted_names(const tp::OptionSchema& schema) { return schema.names(); }

}  // namespace

TEST_CASE("the dataset plugins register with their options documented", "[dataset_plugins]") {
  const std::vector<std::string> files = {"limit", "seed", "test", "test_ratio", "train"};
  auto with = [&](std::vector<std::string> extra) {
    extra.insert(extra.end(), files.begin(), files.end());
    std::sort(extra.begin(), extra.end());
    return extra;
  };
  CHECK(sorted_names(dataset_plugin("jsonl").schema()) == with({"fields"}));
  CHECK(sorted_names(dataset_plugin("json").schema()) == with({"fields"}));
  CHECK(sorted_names(dataset_plugin("alpaca").schema()) == with({"columns", "format"}));
  CHECK(sorted_names(dataset_plugin("sharegpt").schema()) ==
        with({"assistant_tags", "content_keys", "format", "messages", "role_keys", "system_field", "system_tags",
              "user_tags"}));
  for (const char* name : {"jsonl", "json", "alpaca", "sharegpt"}) {
    const tp::PluginDescriptor& plugin = dataset_plugin(name);
    CHECK(std::string(plugin.kind) == "dataset");
    CHECK(std::string(plugin.summary).size() > 10);
    REQUIRE(plugin.validate != nullptr);
    const tp::OptionSchema schema = plugin.schema();
    for (const tp::OptionSpec& spec : schema.specs()) {
      INFO(name << "." << spec.name);
      CHECK_FALSE(spec.doc.empty());
    }
  }
}

TEST_CASE("jsonl transfers seed 000's records through [dataset.fields]", "[dataset_plugins]") {
  const std::string file = fixture("news.jsonl");
  const auto rows = read_train(
      "jsonl", {{"train", file}, {"fields", tp::StringTable{{"input", "文本:{text},分类选项列表:{category}"}, {"output", "{output}"}}}});
  REQUIRE(rows.size() == 3);
  CHECK(describe(rows[0]) == "system= | user: 文本:第一篇新闻,分类选项列表:体育,财经 | assistant*: 体育");
  CHECK(rows[0].source == file + ":1");
  CHECK(rows[2].source == file + ":5");
  CHECK(rows[1].fields.at("category") == "a,b");
  CHECK(rows[1].fields.at("id") == "7");  // non-strings as compact JSON
}

TEST_CASE("json reads an array of alpaca records with the default mapping", "[dataset_plugins]") {
  const std::string file = fixture("alpaca.json");
  const auto rows = read_train("json", {{"train", file}});
  REQUIRE(rows.size() == 3);
  CHECK(describe(rows[0]) == "system= | user: Translate to French.\ncheese | assistant*: fromage");
  CHECK(describe(rows[2]) == "system= | user: And now? | assistant*: Still here.");  // no history unless mapped
  CHECK(rows[2].source == file + ":8");
}

TEST_CASE("alpaca reads system and history, from json or jsonl", "[dataset_plugins]") {
  const auto rows = read_train("alpaca", {{"train", fixture("alpaca.json")}});
  REQUIRE(rows.size() == 3);
  CHECK(describe(rows[2]) ==
        "system=You are terse. | user: Hello | assistant*: Hi! | user: How are you? | assistant*: Fine. | "
        "user: And now? | assistant*: Still here.");
  const auto lines = read_train("alpaca", {{"train", fixture("crlf_bom.jsonl")}});
  REQUIRE(lines.size() == 2);
  CHECK(describe(lines[1]) == "system= | user: c | assistant*: d");
  const auto renamed = read_train(
      "alpaca", {{"train", fixture("news.jsonl")}, {"columns", tp::StringTable{{"instruction", "text"}, {"input", "category"}}}});
  CHECK(describe(renamed[0]) == "system= | user: 第一篇新闻\n体育,财经 | assistant*: 体育");
}

TEST_CASE("sharegpt reads multi-turn conversations", "[dataset_plugins]") {
  const std::string file = fixture("sharegpt.json");
  const auto rows = read_train("sharegpt", {{"train", file}});
  REQUIRE(rows.size() == 2);
  CHECK(describe(rows[0]) == "system=Be brief. | user: 2+2? | assistant*: 4 | user: and 3+3? | assistant*: 6");
  CHECK(rows[0].fields == std::map<std::string, std::string>{{"topic", "math"}});
  CHECK(describe(rows[1]) == "system=Be kind. | user: hello | assistant*: hi");
  CHECK(rows[1].source == file + ":12");
}

TEST_CASE("dataset plugins split off a seeded test share", "[dataset_plugins]") {
  auto dataset = create("jsonl", {{"train", fixture("numbered.jsonl")}, {"test_ratio", 0.25}, {"seed", std::int64_t{42}}});
  CHECK(dataset->splits() == std::vector<std::string>{"train", "test"});
  CHECK(read_split(*dataset, "test").size() == 5);
  CHECK(read_split(*dataset, "train").size() == 15);
  auto with_file = create("alpaca", {{"train", fixture("numbered.jsonl")}, {"test", fixture("alpaca.json")}});
  CHECK(read_split(*with_file, "test").size() == 3);
}

TEST_CASE("dataset options are validated with every problem reported", "[dataset_plugins]") {
  CHECK(validate("jsonl", {{"train", "t.jsonl"}, {"fields", tp::StringTable{{"input", "{text"}, {"answer", "{a}"}}}}) ==
        "pipeline.toml:12:1: error: [dataset] jsonl: unknown key \"answer\" in fields (allowed: history, input, "
        "instruction, output, system)\n"
        "pipeline.toml:12:1: error: [dataset] jsonl: fields.input: field template \"{text\": '{' at character 1 is "
        "never closed (write {{ for a literal brace)\n"
        "pipeline.toml:12:1: error: [dataset] jsonl: fields has no \"output\" key: the assistant turn needs one");
  CHECK(validate("json", {{"train", "t.json"}, {"test", "u.json"}, {"test_ratio", 0.2}}) ==
        "pipeline.toml:13:1: error: [dataset] json: test_ratio cannot be combined with test: the test split comes "
        "either from the test file or from a share of the train records");
  CHECK(validate("alpaca", {{"train", "t.json"}, {"columns", tp::StringTable{{"query", "q"}}}}) ==
        "pipeline.toml:12:1: error: [dataset] alpaca: unknown key \"query\" in columns (allowed: history, input, "
        "instruction, output, system)");
  CHECK(validate("sharegpt", {{"train", "t.json"},
                              {"user_tags", std::vector<std::string>{"human", "gpt"}},
                              {"role_keys", std::vector<std::string>{}}}) ==
        "pipeline.toml:12:1: error: [dataset] sharegpt: role \"gpt\" is in both user_tags and assistant_tags\n"
        "pipeline.toml:13:1: error: [dataset] sharegpt: role_keys must name at least one key");
}

TEST_CASE("bad dataset files get messages naming file and line", "[dataset_plugins]") {
  struct Case {
    std::string plugin, file, message;
  };
  const std::vector<Case> cases = {
      {"jsonl", "bad/malformed.jsonl",
       ":2:43: error: [dataset] jsonl: malformed JSON: syntax error while parsing object - unexpected string "
       "literal; expected '}'"},
      {"jsonl", "bad/missing_field.jsonl",
       ":3: error: [dataset] jsonl: field \"category\" missing in record (fields seen: text, output)"},
      {"jsonl", "bad/empty.jsonl", ": error: [dataset] jsonl: no records in the train split"},
      {"json", "bad/empty_array.json", ": error: [dataset] json: no records in the train split"},
      {"jsonl", "bad/not_object.jsonl", ":2: error: [dataset] jsonl: record is a list, expected an object with fields"},
      {"json", "bad/not_object.json", ":3: error: [dataset] json: record is a string, expected an object with fields"},
      {"json", "bad/trailing_comma.json",
       ":3:1: error: [dataset] json: malformed JSON: expected a record after ',' (trailing comma)"},
      {"alpaca", "bad/history.json",
       ":2: error: [dataset] alpaca: field \"history\" must be a list of [user, assistant] pairs of strings, but "
       "item 2 has 1 entries"},
      {"sharegpt", "bad/sharegpt_role.json",
       ":3: error: [dataset] sharegpt: message 2 has unknown role \"bot\" (known roles: user: human, user; "
       "assistant: gpt, assistant; system: system)"},
      {"sharegpt", "bad/sharegpt_alternation.json",
       ":2: error: [dataset] sharegpt: message 2 is from the user, but the assistant speaks next: turns alternate, "
       "starting with the user"},
      {"sharegpt", "bad/sharegpt_ends_with_user.json",
       ":2: error: [dataset] sharegpt: the last message (3) is from the user; a conversation must end with an "
       "assistant message"},
      {"sharegpt", "bad/sharegpt_late_system.json",
       ":2: error: [dataset] sharegpt: message 2 is a system message; only the first message may be one"},
      {"sharegpt", "alpaca.json",
       ":2: error: [dataset] sharegpt: field \"conversations\" missing in record (fields seen: instruction, input, "
       "output)"},
  };
  for (const Case& c : cases) {
    INFO(c.plugin << " " << c.file);
    const std::string file = fixture(c.file);
    const tp::StringTable seed_000 = {{"input", "{text}|{category}"}, {"output", "{output}"}};
    Values values = {{"train", file}};
    if (c.plugin == "jsonl") values.emplace_back("fields", seed_000);
    CHECK(error_of([&] { read_train(c.plugin, values); }) == file + c.message);
  }
}
