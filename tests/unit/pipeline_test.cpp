#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "pipeline/pipeline.hpp"
#include "plugins/plugin_registry.hpp"

using namespace tp::core;
namespace fs = std::filesystem;

namespace {

const std::string kRoot = TUNEPIPE_SOURCE_DIR;

PluginRegistry& installed_plugins() {
  static PluginRegistry registry = [] {
    PluginRegistry r;
    r.add_default_search_paths();
    r.discover();
    return r;
  }();
  return registry;
}

fs::path write_pipeline(const std::string& name, const std::string& extra) {
  const fs::path file = fs::temp_directory_path() / ("tunepipe-" + name + ".toml");
  std::ofstream(file) << "[pipeline]\nname = \"t\"\n\n[model]\nplugin = \"hf\"\npath = \"" << kRoot
                      << "/tests/data/tokenizers/tiny-bpe\"\n\n[dataset]\nplugin = \"jsonl\"\ntrain = \"" << kRoot
                      << "/tests/data/datasets/news.jsonl\"\n\n[template]\nplugin = \"chatml\"\n"
                      << extra;
  return file;
}

Pipeline load(const fs::path& file, std::vector<std::string> overrides = {}) {
  LoadSettings settings;
  settings.overrides = std::move(overrides);
  tp::Diagnostics warnings;
  return load_pipeline(file, installed_plugins(), settings, warnings);
}

}  // namespace

TEST_CASE("defaults fill every declared option", "[pipeline]") {
  const Pipeline p = load(write_pipeline("defaults", ""));
  CHECK(p.name == "t");
  CHECK(p.output_dir == fs::path("runs/t"));
  CHECK(p.seed == 42);
  REQUIRE(p.chat_template);
  CHECK(p.chat_template->options.get_int("max_length") == 1024);
  CHECK(p.chat_template->options.get_string("truncation_side") == "right");
  CHECK_FALSE(p.trainer.has_value());
  CHECK(p.sinks.empty());
}

TEST_CASE("overrides change keys, nested tables and array entries", "[pipeline]") {
  const fs::path file = write_pipeline("overrides", "\n[[sinks]]\nplugin = \"console\"\n");
  const Pipeline p = load(file, {"template.max_length=64", "pipeline.seed=7", "sinks[0].show_params=true",
                                 "dataset.fields.input={text}", "dataset.fields.output={output}",
                                 "template.system=你好 world"});
  CHECK(p.chat_template->options.get_int("max_length") == 64);
  CHECK(p.chat_template->options.location("max_length").str() == "--set template.max_length=64");
  CHECK(p.seed == 7);
  CHECK(p.sinks.at(0).options.get_bool("show_params"));
  CHECK(p.dataset->options.get_table("fields").at("input") == "{text}");
  CHECK(p.chat_template->options.get_string("system") == "你好 world");
}

TEST_CASE("an override naming a missing array entry is an error", "[pipeline]") {
  const fs::path file = write_pipeline("bad-index", "");
  CHECK_THROWS_WITH(load(file, {"sinks[2].path=x"}), Catch::Contains("the pipeline has no \"sinks\" entries"));
}

TEST_CASE("values keep the line and column they were written at", "[pipeline]") {
  const fs::path file = write_pipeline("locations", "max_length = 77\n");
  const Pipeline p = load(file);
  const tp::Location where = p.chat_template->options.location("max_length");
  CHECK(where.file == file.string());
  CHECK(where.line == 14);
  CHECK(where.column == 14);
}

TEST_CASE("integers are accepted where floats are declared but not the reverse", "[pipeline]") {
  CHECK(load(write_pipeline("int-as-float", ""), {"dataset.test_ratio=0"}).dataset->options.get_float("test_ratio") == 0.0);
  CHECK_THROWS_WITH(load(write_pipeline("float-as-int", ""), {"template.max_length=1.5"}),
                    Catch::Contains("\"max_length\" must be an integer, not a float"));
}
