// Renders a Jinja template with each line of standard input (a JSON object of
// variables) and prints one JSON line per input: {"text", "generation"} or
// {"error"}. The Jinja tests compare it with Python's jinja2.
#include <fstream>
#include <iostream>
#include <sstream>

#include "tunepipe/error.hpp"
#include "tunepipe/jinja.hpp"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: tunepipe_jinja_render TEMPLATE_FILE < variables.jsonl\n";
    return 2;
  }
  std::ifstream file(argv[1], std::ios::binary);
  if (!file) {
    std::cerr << argv[1] << ": cannot read the template\n";
    return 2;
  }
  std::stringstream source;
  source << file.rdbuf();
  try {
    const tp::jinja::Template chat_template(source.str(), argv[1]);
    std::string line;
    while (std::getline(std::cin, line)) {
      nlohmann::ordered_json result;
      try {
        const auto rendering = chat_template.render(nlohmann::ordered_json::parse(line));
        result["text"] = rendering.text;
        result["generation"] = rendering.generation_spans;
      } catch (const tp::Error& error) {
        result["error"] = error.what();
      }
      std::cout << result.dump() << std::endl;
    }
  } catch (const tp::Error& error) {
    std::cerr << error.what() << "\n";
    return 1;
  }
  return 0;
}
