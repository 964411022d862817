// Inputs the fuzzer found (tests/fuzz/crashes/jinja-*): a template cut inside
// a UTF-8 character, and macros that recurse through nested loops until the
// stack overflows. Each is now an error naming the template.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <string>

#include "error_capture.hpp"
#include "tunepipe/jinja.hpp"

namespace {

std::string fuzz_case(const std::string& name) {
  std::ifstream in(std::string(TUNEPIPE_SOURCE_DIR) + "/tests/fuzz/crashes/" + name, std::ios::binary);
  REQUIRE(in);
  std::stringstream bytes;
  bytes << in.rdbuf();
  const std::string input = bytes.str();
  return input.substr(0, input.find('\0'));  // the fuzz input is "template NUL variables"
}

std::string render_error(const std::string& source) {
  return error_of([&] { tp::jinja::Template(source, "t.jinja").render(nlohmann::ordered_json::object()); });
}

}  // namespace

TEST_CASE("a template that is not valid UTF-8 is refused at its position") {
  CHECK(render_error("x\xF0") == "t.jinja:1:2: error: the template is not valid UTF-8 (byte 1 of the file): save it "
                                 "as UTF-8");
  CHECK(render_error("ok\n{{ 1 }}\xC3(") == "t.jinja:2:8: error: the template is not valid UTF-8 (byte 10 of the "
                                            "file): save it as UTF-8");
  CHECK(render_error(fuzz_case("jinja-truncated-utf8-at-end")).find("not valid UTF-8") != std::string::npos);
}

TEST_CASE("macros recursing through loops stop at a stack budget, not a crash") {
  for (const char* name : {"jinja-macro-recursion-nested-loops", "jinja-macro-recursion-stack"}) {
    INFO(name);
    const std::string error = render_error(fuzz_case(name));
    CHECK(error.find("t.jinja:1:") == 0);
    CHECK((error.find("nests too deeply") != std::string::npos ||
           error.find("recursed deeper than 500 calls") != std::string::npos));
  }
  const std::string endless = render_error("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}");
  CHECK((endless.find("nests too deeply") != std::string::npos ||
         endless.find("recursed deeper than 500 calls") != std::string::npos));
  // Ordinary recursion (a JSON schema a few levels deep) still renders.
  const tp::jinja::Template shallow(
      "{% macro f(n) %}{% if n < 20 %}[{{ f(n + 1) }}]{% endif %}{% endmacro %}{{ f(0) }}", "t.jinja");
  CHECK(shallow.render(nlohmann::ordered_json::object()).text == std::string(20, '[') + std::string(20, ']'));
}
