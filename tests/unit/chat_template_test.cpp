#include <catch2/catch.hpp>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "error_capture.hpp"
#include "tunepipe/chat_template.hpp"
#include "tunepipe/jinja.hpp"

namespace fs = std::filesystem;

namespace {

struct ModelFolder {
  fs::path path = fs::temp_directory_path() / ("tunepipe-chat-template-" + std::to_string(::getpid()));
  ModelFolder() { fs::create_directories(path); }
  ~ModelFolder() { fs::remove_all(path); }
  void write(const fs::path& name, const std::string& text) const {
    fs::create_directories((path / name).parent_path());
    std::ofstream(path / name, std::ios::binary) << text;
  }
};

}  // namespace

TEST_CASE("a folder without a chat template has none", "[chat_template]") {
  const ModelFolder folder;
  CHECK_FALSE(tp::read_chat_template(folder.path).has_value());
  folder.write("tokenizer_config.json", R"({"eos_token": "</s>"})");
  CHECK_FALSE(tp::read_chat_template(folder.path).has_value());
}

TEST_CASE("tokenizer_config.json's chat_template: a string, or a list of named templates", "[chat_template]") {
  const ModelFolder folder;
  folder.write("tokenizer_config.json", R"({"chat_template": "{{ messages | length }}"})");
  REQUIRE(tp::read_chat_template(folder.path)->source == "{{ messages | length }}");
  CHECK(error_of([&] { tp::read_chat_template(folder.path, "tool_use"); })
            .find("no template named \"tool_use\" (this file has one unnamed template)") != std::string::npos);

  folder.write("tokenizer_config.json",
               R"({"chat_template": [{"name": "default", "template": "D"}, {"name": "tool_use", "template": "T"}]})");
  CHECK(tp::read_chat_template(folder.path)->source == "D");
  CHECK(tp::read_chat_template(folder.path, "tool_use")->source == "T");
  const std::string missing = error_of([&] { tp::read_chat_template(folder.path, "rag"); });
  CHECK(missing.find("tokenizer_config.json") != std::string::npos);
  CHECK(missing.find("named templates: default, tool_use") != std::string::npos);

  folder.write("tokenizer_config.json", R"({"chat_template": 3})");
  CHECK(error_of([&] { tp::read_chat_template(folder.path); })
            .find("chat_template must be a string or a list of {name, template}") != std::string::npos);
}

TEST_CASE("chat_template.jinja beside the config comes first, as transformers 5 reads it", "[chat_template]") {
  const ModelFolder folder;
  folder.write("tokenizer_config.json", R"({"chat_template": "from the config"})");
  folder.write("chat_template.jinja", "from the file");
  folder.write("additional_chat_templates/tool_use.jinja", "tools");
  CHECK(tp::read_chat_template(folder.path)->source == "from the file");
  CHECK(tp::read_chat_template(folder.path, "tool_use")->source == "tools");
  CHECK(tp::read_chat_template(folder.path)->origin == (folder.path / "chat_template.jinja").string());
}

TEST_CASE("a template renders with its variables and names itself in errors", "[jinja]") {
  const tp::jinja::Template hello("{% for m in messages %}{{ m.role }}: {{ m.content }}\n{% endfor %}", "hello.jinja");
  const auto rendering =
      hello.render({{"messages", {{{"role", "user"}, {"content", "你好"}}, {{"role", "assistant"}, {"content", "hi"}}}}});
  CHECK(rendering.text == "user: 你好\nassistant: hi\n");
  CHECK_FALSE(hello.has_generation_blocks());

  const tp::jinja::Template failing("\n  {{ raise_exception('no system message') }}", "strict.jinja");
  CHECK(error_of([&] { failing.render(nlohmann::ordered_json::object()); })
            .starts_with("strict.jinja:2:6: error: the template raised an exception: no system message"));
  CHECK(error_of([] { tp::jinja::Template("{% macro m() %}", "open.jinja"); })
            .starts_with("open.jinja:1:16: error: the template ended inside a block"));
}
