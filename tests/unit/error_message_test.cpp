// What an error prints: a value quoted from the input, however long, is cut
// around an ellipsis on character boundaries.
#include <catch2/catch.hpp>

#include <string>

#include "tunepipe/error.hpp"

TEST_CASE("an error message cuts a huge quoted word and keeps the rest") {
  const std::string token = "\"" + std::string(10'000'000, 'k') + "\"";
  const tp::Error error(tp::Location{"data/train.jsonl", 3}, "unknown token " + token + " in the vocabulary");
  const std::string text = error.what();
  CHECK(text.size() < 1200);
  CHECK(text.starts_with("data/train.jsonl:3: error: unknown token \"kkkk"));
  CHECK(text.find("…[9999234 bytes cut]…") != std::string::npos);
  CHECK(text.ends_with("kkkk\" in the vocabulary"));
  CHECK(error.message().size() > 10'000'000);  // what a caller inspects stays whole
}

TEST_CASE("a cut never splits a UTF-8 character") {
  std::string word;
  for (int i = 0; i < 500; ++i) word += "词";  // 3 bytes each
  const std::string text = tp::Error(word).what();
  const auto cut = text.find("…[");
  REQUIRE(cut != std::string::npos);
  CHECK((cut - std::string("error: ").size()) % 3 == 0);
  const auto tail = text.find("]…") + std::string("]…").size();
  CHECK((text.size() - tail) % 3 == 0);
  CHECK(tp::Error("a short message stays as it is").what() == std::string("error: a short message stays as it is"));
}
