#include <catch2/catch.hpp>

#include <stdexcept>

#include "dataset_test_support.hpp"
#include "tunepipe/dataset_support.hpp"

using dataset_test::fixture;
using dataset_test::make_options;
using dataset_test::read_split;
using dataset_test::validation_errors;

namespace {

tp::OptionSchema mapped_schema() {
  tp::OptionSchema schema = tp::record_files_schema("JSON Lines file");
  schema.add(tp::fields_key().spec());
  schema.add(tp::columns_key().spec());
  return schema;
}

tp::Options options_with(std::vector<std::pair<std::string, tp::Value>> values) {
  return make_options(mapped_schema(), "jsonl", values);
}

tp::Conversation convert_patterns(const tp::StringTable& fields, const char* record) {
  const tp::Options options = options_with({{"train", fixture("news.jsonl")}, {"fields", fields}});
  return tp::FieldMapping::from_patterns(options, tp::fields_key())
      .convert(tp::RecordJson::parse(record), tp::Location{"data/train.jsonl", 118});
}

tp::Conversation convert_columns(const tp::StringTable& columns, const char* record) {
  const tp::Options options = options_with({{"train", fixture("news.jsonl")}, {"columns", columns}});
  return tp::FieldMapping::from_columns(options, tp::columns_key())
      .convert(tp::RecordJson::parse(record), tp::Location{"data/train.jsonl", 118});
}

std::string describe(const tp::Conversation& conversation) {
  std::string text = "system=" + conversation.system;
  for (const tp::Turn& turn : conversation.turns)
    text += std::string(" | ") + std::string(tp::to_string(turn.role)) + (turn.trained ? "*" : "") + ": " +
            turn.content;
  return text;
}

class TestDataset final : public tp::FieldMappedDataset {
 public:
  TestDataset(const tp::Options& options, const tp::StageContext& context)
      : FieldMappedDataset(options, context, tp::RecordFormat::Auto, tp::FieldMapping::from_patterns(options, tp::fields_key())) {}
};

std::vector<std::string> instructions(const std::vector<tp::Conversation>& rows) {
  std::vector<std::string> out;
  for (const auto& row : rows) out.push_back(row.turns.at(0).content);
  return out;
}

std::vector<std::string> numbered(std::initializer_list<int> indices) {
  std::vector<std::string> out;
  for (int i : indices) out.push_back("q" + std::to_string(i));
  return out;
}

}  // namespace

TEST_CASE("the seeded permutation is SplitMix64 driving Fisher-Yates", "[dataset_support]") {
  // Golden values, computed independently (tests/python/test_dataset_transfer.py holds the same algorithm).
  CHECK(tp::seeded_permutation(10, 42) == std::vector<std::size_t>{0, 9, 5, 8, 6, 4, 7, 2, 1, 3});
  CHECK(tp::seeded_permutation(10, 0) == std::vector<std::size_t>{6, 3, 2, 9, 8, 1, 4, 7, 0, 5});
  CHECK(tp::seeded_permutation(1, 5) == std::vector<std::size_t>{0});
  CHECK(tp::seeded_permutation(0, 5).empty());
}

TEST_CASE("test_count rounds half away from zero", "[dataset_support]") {
  CHECK(tp::test_count(10, 0.25) == 3);
  CHECK(tp::test_count(20, 0.1) == 2);
  CHECK(tp::test_count(3, 0.1) == 0);
  CHECK(tp::test_count(3, 0.0) == 0);
}

TEST_CASE("an empty fields table maps alpaca's field names", "[dataset_support]") {
  CHECK(describe(convert_patterns({}, R"({"instruction": "Translate.", "input": "cheese", "output": "fromage"})")) ==
        "system= | user: Translate.\ncheese | assistant*: fromage");
  CHECK(describe(convert_patterns({}, R"({"instruction": "Say hi.", "input": "", "output": "hi"})")) ==
        "system= | user: Say hi. | assistant*: hi");
  CHECK(describe(convert_patterns({}, R"({"instruction": "Say hi.", "output": "hi"})")) ==
        "system= | user: Say hi. | assistant*: hi");
  CHECK(describe(convert_patterns({}, R"({"instruction": "", "input": "only input", "input2": 1, "output": "x"})")) ==
        "system= | user: only input | assistant*: x");
  CHECK(describe(convert_patterns({}, R"({"instruction": "Say hi.", "input": null, "output": "hi"})")) ==
        "system= | user: Say hi. | assistant*: hi");
  CHECK(error_of([] { convert_patterns({}, R"({"input": "x", "output": "y"})"); }) ==
        "data/train.jsonl:118: error: field \"instruction\" missing in record (fields seen: input, output)");
}

TEST_CASE("a fields table is the whole mapping (seed 000's transfer)", "[dataset_support]") {
  const tp::StringTable seed_000 = {{"input", "文本:{text},分类选项列表:{category}"}, {"output", "{output}"}};
  CHECK(describe(convert_patterns(seed_000, R"({"text": "新闻", "category": "体育,财经", "output": "体育"})")) ==
        "system= | user: 文本:新闻,分类选项列表:体育,财经 | assistant*: 体育");
  CHECK(error_of([&] { convert_patterns(seed_000, R"({"text": "t", "output": "o"})"); }) ==
        "data/train.jsonl:118: error: field \"category\" missing in record (fields seen: text, output)");

  const tp::StringTable full = {{"system", "You judge {topic}."},
                                {"instruction", "Q: {q}"},
                                {"input", "{ctx}"},
                                {"output", "{a}"},
                                {"history", "turns"}};
  CHECK(describe(convert_patterns(
            full, R"({"topic": "math", "q": "2+2", "ctx": "", "a": "4", "turns": [["1+1", "2"], ["3+3", "6"]]})")) ==
        "system=You judge math. | user: 1+1 | assistant*: 2 | user: 3+3 | assistant*: 6 | user: Q: 2+2 | "
        "assistant*: 4");
  // an empty input pattern result joins nothing; a history field may be absent or null
  CHECK(describe(convert_patterns(full, R"({"topic": "t", "q": "q", "ctx": "c", "a": "a"})")) ==
        "system=You judge t. | user: Q: q\nc | assistant*: a");
  CHECK(describe(convert_patterns(full, R"({"topic": "t", "q": "q", "ctx": "c", "a": "a", "turns": null})")) ==
        "system=You judge t. | user: Q: q\nc | assistant*: a");
  CHECK(error_of([&] {
          convert_patterns(full, R"({"topic": "t", "q": "q", "ctx": "", "a": "a", "turns": [["x", "y"], ["z"]]})");
        }) == "data/train.jsonl:118: error: field \"turns\" must be a list of [user, assistant] pairs of strings, "
              "but item 2 has 1 entries");
  CHECK(error_of([&] { convert_patterns(full, R"({"topic": "t", "q": "q", "ctx": "", "a": "a", "turns": "x"})"); }) ==
        "data/train.jsonl:118: error: field \"turns\" must be a list of [user, assistant] pairs of strings, "
        "but it is a string");
}

TEST_CASE("alpaca columns can be renamed; input, system and history are optional", "[dataset_support]") {
  CHECK(describe(convert_columns({}, R"({"instruction": "i", "output": "o"})")) == "system= | user: i | assistant*: o");
  CHECK(describe(convert_columns({}, R"({"instruction": "i", "input": "x", "output": "o", "system": "s",
                                          "history": [["h1", "h2"]]})")) ==
        "system=s | user: h1 | assistant*: h2 | user: i\nx | assistant*: o");
  CHECK(describe(convert_columns({{"instruction", "question"}, {"output", "answer"}, {"system", "persona"}},
                                 R"({"question": "q", "answer": "a", "persona": null})")) ==
        "system= | user: q | assistant*: a");
  CHECK(error_of([] { convert_columns({}, R"({"input": "x", "output": "y"})"); }) ==
        "data/train.jsonl:118: error: field \"instruction\" missing in record (fields seen: input, output)");
}

TEST_CASE("field mappings are validated with every problem reported", "[dataset_support]") {
  auto patterns = [](const tp::StringTable& fields) {
    const tp::Options options = options_with({{"train", fixture("news.jsonl")}, {"fields", fields}});
    return validation_errors([&](tp::Diagnostics& d) { tp::FieldMapping::validate_patterns(options, tp::fields_key(), d); });
  };
  CHECK(patterns({}).empty());
  CHECK(patterns({{"input", "{text}"}, {"output", "{output}"}}).empty());
  CHECK(patterns({{"outptu", "{output}"}, {"input", "{text"}}) ==
        "pipeline.toml:12:1: error: [dataset] jsonl: unknown key \"outptu\" in fields (allowed: history, input, "
        "instruction, output, system)\n"
        "pipeline.toml:12:1: error: [dataset] jsonl: fields.input: field template \"{text\": '{' at character 1 is "
        "never closed (write {{ for a literal brace)\n"
        "pipeline.toml:12:1: error: [dataset] jsonl: fields has no \"output\" key: the assistant turn needs one");
  CHECK(patterns({{"output", "{output}"}, {"history", "{h}"}}) ==
        "pipeline.toml:12:1: error: [dataset] jsonl: fields.history must name the record field holding [user, "
        "assistant] pairs, not \"{h}\"\n"
        "pipeline.toml:12:1: error: [dataset] jsonl: fields needs \"instruction\" or \"input\" for the user turn");

  const tp::Options columns = options_with({{"train", fixture("news.jsonl")}, {"columns", tp::StringTable{{"input", "{x}"}, {"prompt", "p"}}}});
  CHECK(validation_errors([&](tp::Diagnostics& d) { tp::FieldMapping::validate_columns(columns, tp::columns_key(), d); }) ==
        "pipeline.toml:12:1: error: [dataset] jsonl: unknown key \"prompt\" in columns (allowed: history, input, "
        "instruction, output, system)\n"
        "pipeline.toml:12:1: error: [dataset] jsonl: columns.input must name a record field, not \"{x}\"");
  CHECK_THROWS_AS(tp::FieldMapping::from_columns(columns, tp::columns_key()), tp::ValidationError);
}

TEST_CASE("split options are validated together", "[dataset_support]") {
  auto errors = [](std::vector<std::pair<std::string, tp::Value>> values) {
    const tp::Options options = options_with(std::move(values));
    return validation_errors([&](tp::Diagnostics& d) { tp::validate_record_files(options, d); });
  };
  CHECK(errors({{"train", "a.jsonl"}, {"test_ratio", 0.1}}).empty());
  CHECK(errors({{"train", "a.jsonl"}, {"test", "b.jsonl"}}).empty());
  CHECK(errors({{"train", "a.jsonl"}, {"test", "b.jsonl"}, {"test_ratio", 0.1}}) ==
        "pipeline.toml:13:1: error: [dataset] jsonl: test_ratio cannot be combined with test: the test split comes "
        "either from the test file or from a share of the train records");
  CHECK(errors({{"train", "a.jsonl"}, {"test_ratio", 1.0}}) ==
        "pipeline.toml:12:1: error: [dataset] jsonl: test_ratio must be below 1, or no records are left for training");
  const tp::OptionSchema schema = mapped_schema();
  for (const char* name : {"train", "test", "test_ratio", "seed", "limit", "fields", "columns"}) {
    INFO(name);
    REQUIRE(schema.find(name) != nullptr);
    CHECK_FALSE(schema.find(name)->doc.empty());
  }
  CHECK(schema.find("train")->required);
}

TEST_CASE("test_ratio holds out a seeded share of the train records", "[dataset_support]") {
  tp::StageContext context;
  context.seed = 42;
  const tp::Options options = options_with({{"train", fixture("numbered.jsonl")}, {"test_ratio", 0.25}});
  TestDataset dataset(options, context);
  CHECK(dataset.splits() == std::vector<std::string>{"train", "test"});
  CHECK(instructions(read_split(dataset, "test")) == numbered({3, 8, 11, 16, 17}));
  CHECK(instructions(read_split(dataset, "train")) ==
        numbered({0, 1, 2, 4, 5, 6, 7, 9, 10, 12, 13, 14, 15, 18, 19}));

  const tp::Options seeded =
      options_with({{"train", fixture("numbered.jsonl")}, {"test_ratio", 0.25}, {"seed", std::int64_t{7}}});
  TestDataset reseeded(seeded, context);
  CHECK(instructions(read_split(reseeded, "test")) == numbered({1, 2, 4, 15, 16}));

  const tp::Options limited =
      options_with({{"train", fixture("numbered.jsonl")}, {"test_ratio", 0.25}, {"limit", std::int64_t{2}}});
  TestDataset first_two(limited, context);
  CHECK(instructions(read_split(first_two, "test")) == numbered({3, 8}));
  CHECK(instructions(read_split(first_two, "train")) == numbered({0, 1}));
}

TEST_CASE("record datasets add source and string fields, and prefix data errors", "[dataset_support]") {
  const tp::StageContext context;
  const std::string file = fixture("news.jsonl");
  const tp::Options options =
      options_with({{"train", file}, {"fields", tp::StringTable{{"input", "{text}|{category}"}, {"output", "{output}"}}}});
  TestDataset dataset(options, context);
  CHECK(dataset.splits() == std::vector<std::string>{"train"});
  const auto rows = read_split(dataset, "train");
  REQUIRE(rows.size() == 3);
  CHECK(rows[1].source == file + ":3");
  CHECK(rows[1].fields == std::map<std::string, std::string>{{"text", "second"}, {"category", "a,b"}, {"output", "b"}, {"id", "7"}});
  CHECK(describe(rows[1]) == "system= | user: second|a,b | assistant*: b");

  CHECK(error_of([&] { read_split(dataset, "validation"); }) ==
        "error: [dataset] jsonl: no split \"validation\" (splits: train)");

  const std::string missing = fixture("bad/missing_field.jsonl");
  TestDataset broken(options_with({{"train", missing}, {"fields", tp::StringTable{{"input", "{text}|{category}"}, {"output", "{output}"}}}}), context);
  CHECK(error_of([&] { read_split(broken, "train"); }) ==
        missing + ":3: error: [dataset] jsonl: field \"category\" missing in record (fields seen: text, output)");

  // errors of whoever consumes the conversations pass through untouched
  CHECK_THROWS_WITH(dataset.read("train", [](tp::Conversation&&) { throw tp::Error("downstream"); }),
                    "error: downstream");
}

TEST_CASE("an empty split is an error", "[dataset_support]") {
  const tp::StageContext context;
  const std::string empty = fixture("bad/empty.jsonl");
  TestDataset nothing(options_with({{"train", empty}}), context);
  CHECK(error_of([&] { read_split(nothing, "train"); }) ==
        empty + ": error: [dataset] jsonl: no records in the train split");

  const std::string file = fixture("numbered.jsonl");
  TestDataset tiny_share(options_with({{"train", file}, {"test_ratio", 0.01}}), context);
  CHECK(error_of([&] { read_split(tiny_share, "test"); }) ==
        file + ": error: [dataset] jsonl: no records in the test split: test_ratio 0.01 of 20 records holds out 0");
}
