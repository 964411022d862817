#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "dataset_test_support.hpp"
#include "tunepipe/json_input.hpp"
#include "tunepipe/records.hpp"

using dataset_test::fixture;

namespace {

struct Seen {
  std::string value;  // compact JSON
  std::uint32_t line;
  std::size_t index;
};

std::vector<Seen> read_records(const std::string& file, tp::RecordFormat format = tp::RecordFormat::Auto) {
  std::vector<Seen> seen;
  tp::for_each_record(file, format, [&](const tp::Record& record) {
    CHECK(record.where.file == file);
    seen.push_back(Seen{record.value.dump(), record.where.line, record.index});
  });
  return seen;
}

}  // namespace

TEST_CASE("JSON Lines records carry their line; blank lines are skipped", "[records]") {
  const auto seen = read_records(fixture("news.jsonl"));
  REQUIRE(seen.size() == 3);
  CHECK(seen[0].line == 1);
  CHECK(seen[1].line == 3);
  CHECK(seen[2].line == 5);
  CHECK(seen[2].index == 2);
  CHECK(seen[1].value == R"({"text":"second","category":"a,b","output":"b","id":7})");  // file key order kept
  CHECK(tp::count_records(fixture("news.jsonl"), tp::RecordFormat::Auto) == 3);
}

TEST_CASE("JSON Lines tolerate a byte order mark and CRLF line ends", "[records]") {
  const auto seen = read_records(fixture("crlf_bom.jsonl"));
  REQUIRE(seen.size() == 2);
  CHECK(seen[0].value == R"({"instruction":"a","output":"b"})");
  CHECK(seen[1].line == 3);
  CHECK(tp::count_records(fixture("crlf_bom.jsonl"), tp::RecordFormat::Auto) == 2);
}

TEST_CASE("JSON array records carry the line they start on", "[records]") {
  const auto seen = read_records(fixture("alpaca.json"));
  REQUIRE(seen.size() == 3);
  CHECK(seen[0].line == 2);
  CHECK(seen[1].line == 7);
  CHECK(seen[2].line == 8);
  CHECK(seen[1].value == R"({"instruction":"Say hi.","input":"","output":"hi"})");
  CHECK(tp::count_records(fixture("alpaca.json"), tp::RecordFormat::Auto) == 3);
}

TEST_CASE("the format follows the extension unless given", "[records]") {
  CHECK(tp::resolve_format("a.jsonl", tp::RecordFormat::Auto) == tp::RecordFormat::JsonLines);
  CHECK(tp::resolve_format("a.ndjson", tp::RecordFormat::Auto) == tp::RecordFormat::JsonLines);
  CHECK(tp::resolve_format("a.json", tp::RecordFormat::Auto) == tp::RecordFormat::Json);
  CHECK(tp::resolve_format("a.txt", tp::RecordFormat::JsonLines) == tp::RecordFormat::JsonLines);
}

TEST_CASE("empty files and empty arrays hold no records", "[records]") {
  CHECK(read_records(fixture("bad/empty.jsonl")).empty());
  CHECK(read_records(fixture("bad/empty.jsonl"), tp::RecordFormat::Json).empty());
  CHECK(read_records(fixture("bad/empty_array.json")).empty());
  CHECK(tp::count_records(fixture("bad/empty_array.json"), tp::RecordFormat::Auto) == 0);
}

TEST_CASE("bad record files are reported with file, line and column", "[records]") {
  // Golden table: fixture → the exact message.
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"bad/malformed.jsonl",
       ":2:43: error: malformed JSON: syntax error while parsing object - unexpected string literal; expected '}'"},
      {"bad/not_object.jsonl", ":2: error: record is a list, expected an object with fields"},
      {"bad/not_object.json", ":3: error: record is a string, expected an object with fields"},
      {"bad/trailing_comma.json", ":3:1: error: malformed JSON: expected a record after ',' (trailing comma)"},
      {"bad/unterminated.json",
       ":4:1: error: malformed JSON: the file ends inside the record that starts at line 3"},
      {"bad/malformed.json",
       ":3:17: error: malformed JSON: syntax error while parsing value - invalid literal; last read: '\"output\": tru}'"},
      {"bad/object_not_array.json", ":1:1: error: expected a JSON array of records ('['), found '{'"},
  };
  for (const auto& [name, message] : cases) {
    INFO(name);
    const std::string file = fixture(name);
    CHECK(error_of([&] { read_records(file); }) == file + message);
  }
}

TEST_CASE("a missing file is reported by name", "[records]") {
  const std::string file = fixture("bad/no-such-file.jsonl");
  CHECK(error_of([&] { read_records(file); }) ==
        file + ": error: cannot open records file: No such file or directory");
}

TEST_CASE("JSON arrays are read record by record", "[records]") {
  // A record that breaks after good ones: the good ones are visited first.
  const std::string file = fixture("bad/not_object.json");
  std::size_t visited = 0;
  CHECK_THROWS_AS(tp::for_each_record(file, tp::RecordFormat::Auto, [&](const tp::Record&) { ++visited; }),
                  tp::Error);
  CHECK(visited == 1);
}

TEST_CASE("try_parse_json: JSON within the depth limit, nothing for malformed or too deep text", "[records]") {
  const std::string at_limit = std::string(tp::kMaxJsonDepth, '[') + std::string(tp::kMaxJsonDepth, ']');
  CHECK(tp::try_parse_json(at_limit).has_value());
  CHECK_FALSE(tp::try_parse_json("[" + at_limit + "]"));
  CHECK_FALSE(tp::try_parse_json(std::string(1'000'000, '[')));
  CHECK_FALSE(tp::try_parse_json("{\"a\": 1e999}"));
  CHECK_FALSE(tp::try_parse_json("姓名：高勇"));
  CHECK(tp::try_parse_json(R"({"a": [1, "b"]})") == nlohmann::json::parse(R"({"a": [1, "b"]})"));
}

TEST_CASE("records nested past the depth limit are refused where they go too deep, not walked", "[records]") {
  // 50,000 levels used to overflow the stack (exit 139) once the record was copied or dumped.
  const std::string deep = std::string(50'000, '[') + std::string(50'000, ']');
  const std::string record = R"({"text": "hi", "a": )";
  const std::string too_deep = ": error: JSON nested deeper than 128 levels of arrays and objects (the most tunepipe reads)";
  const auto dir = std::filesystem::temp_directory_path();
  const std::string lines = (dir / ("tunepipe-records-deep-" + std::to_string(::getpid()) + ".jsonl")).string();
  std::ofstream(lines) << "{\"text\": \"ok\"}\n" << record << deep << "}\n";
  CHECK(error_of([&] { read_records(lines); }) == lines + ":2:" + std::to_string(record.size() + 128) + too_deep);
  const std::string array = (dir / ("tunepipe-records-deep-" + std::to_string(::getpid()) + ".json")).string();
  std::ofstream(array) << "[\n  {\"text\": \"ok\"},\n  " << record << deep << "}\n]\n";
  CHECK(error_of([&] { read_records(array); }) == array + ":3:" + std::to_string(2 + record.size() + 128) + too_deep);
  std::ofstream(lines) << record << std::string(127, '[') << std::string(127, ']') << "}\n";
  CHECK(read_records(lines).size() == 1);  // 128 levels, the record's own included, are read
  std::filesystem::remove(lines);
  std::filesystem::remove(array);
}

TEST_CASE("a number too large for a double is reported at its line and column", "[records]") {
  const std::string file =
      (std::filesystem::temp_directory_path() / ("tunepipe-records-1e999-" + std::to_string(::getpid()) + ".jsonl")).string();
  std::ofstream(file) << "{\"text\": \"1e999\"}\n{\"text\": \"x\", \"n\": 1e999}\n";
  CHECK(error_of([&] { read_records(file); }) ==
        file + ":2:20: error: malformed JSON: number overflow parsing '1e999' (too large for a double)");
  std::filesystem::remove(file);
}

TEST_CASE("a record larger than 16 MiB is refused before it is parsed", "[records]") {
  // A 200 MB line took 84 s and 6.7 GB to parse (a JSON value per number).
  const auto dir = std::filesystem::temp_directory_path();
  const std::string lines = (dir / ("tunepipe-records-huge-" + std::to_string(::getpid()) + ".jsonl")).string();
  std::string numbers;
  while (numbers.size() <= (std::size_t{16} << 20)) numbers += "1,";
  std::ofstream(lines) << "{\"text\": \"ok\"}\n{\"n\": [" << numbers << "1]}\n";
  const std::string expected = ": error: a record of 16.0 MiB: a record may hold at most 16 MiB";
  CHECK(error_of([&] { read_records(lines); }).starts_with(lines + ":2" + expected));
  const std::string array = (dir / ("tunepipe-records-huge-" + std::to_string(::getpid()) + ".json")).string();
  std::ofstream(array) << "[{\"text\": \"ok\"},\n {\"n\": [" << numbers << "1]}]\n";
  CHECK(error_of([&] { read_records(array); }).starts_with(array + ":2" + expected));
  std::filesystem::remove(lines);
  std::filesystem::remove(array);
}
