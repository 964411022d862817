#include <catch2/catch.hpp>

#include "util/suggest.hpp"

using namespace tp::core;

TEST_CASE("edit distance counts single-character edits", "[suggest]") {
  CHECK(edit_distance("alpha", "alpha") == 0);
  CHECK(edit_distance("alhpa", "alpha") == 2);
  CHECK(edit_distance("", "abc") == 3);
  CHECK(edit_distance("kitten", "sitting") == 3);
}

TEST_CASE("did-you-mean suggests only plausible typos", "[suggest]") {
  const std::vector<std::string> keys = {"alpha", "dropout", "r", "target_modules"};
  CHECK(did_you_mean("alhpa", keys) == " — did you mean \"alpha\"?");
  CHECK(did_you_mean("dropuot", keys) == " — did you mean \"dropout\"?");
  CHECK(did_you_mean("learning_rate", keys).empty());
  CHECK(join({"a", "b", "c"}) == "a, b, c");
}
