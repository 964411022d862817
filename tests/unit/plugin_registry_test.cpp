#include <catch2/catch.hpp>

#include "plugins/plugin_registry.hpp"

using namespace tp::core;

namespace {

PluginRegistry fixture_registry() {
  PluginRegistry registry;
  registry.add_search_path(TUNEPIPE_FIXTURE_PLUGIN_DIR);
  registry.discover();
  registry.load_all();
  return registry;
}

std::string refusal(const PluginRegistry& registry, const char* name) {
  const RefusedPlugin* refused = registry.refusal_for("sink", name);
  REQUIRE(refused != nullptr);
  return refused->reason;
}

}  // namespace

TEST_CASE("a plugin built like the runtime is loaded", "[plugins]") {
  const PluginRegistry registry = fixture_registry();
  const PluginInfo* plugin = registry.find("sink", "matching");
  REQUIRE(plugin != nullptr);
  CHECK(plugin->version == "0.0.1");
  CHECK(plugin->path.filename() == "libtunepipe-sink-matching.so");
  CHECK(registry.refusal_for("sink", "matching") == nullptr);
}

TEST_CASE("plugins with another fingerprint are refused, naming both sides", "[plugins]") {
  const PluginRegistry registry = fixture_registry();
  const std::string torch = TORCH_VERSION;
  CHECK(refusal(registry, "othertorch") ==
        "built with libtorch 0.0.1-fixture (this tunepipe: libtorch " + torch + ") — rebuild it against this tunepipe's SDK");
  const std::string minor = std::to_string(TUNEPIPE_SDK_ABI_MINOR);
  CHECK(refusal(registry, "oldabi") == "built with SDK ABI 0." + minor + " (this tunepipe provides " +
                                           std::to_string(TUNEPIPE_SDK_ABI_MAJOR) + "." + minor +
                                           ") — rebuild it against this tunepipe's SDK");
  CHECK(refusal(registry, "othercompiler") ==
        std::string("built with compiler clang-99 (this tunepipe: ") + TUNEPIPE_COMPILER_ID + ") — rebuild it against this tunepipe's SDK");
  CHECK(refusal(registry, "oldcxxabi") ==
        "built with _GLIBCXX_USE_CXX11_ABI=0 (this tunepipe: 1) — rebuild it against this tunepipe's SDK");
  CHECK(refusal(registry, "noentry") == "has no tunepipe_plugin_descriptor() entry point — is it a tunepipe plugin?");
  CHECK(registry.find("sink", "othertorch") == nullptr);
}

TEST_CASE("fingerprint comparison lists every difference", "[plugins]") {
  const tp::BuildFingerprint runtime{1, 2, "gcc-12", 1, "2.15.0"};
  CHECK(fingerprint_mismatch(runtime, runtime).empty());
  CHECK(fingerprint_mismatch({1, 1, "gcc-12", 1, "2.15.0"}, runtime).empty());  // older minor is compatible
  CHECK(fingerprint_mismatch({1, 3, "gcc-12", 1, "2.15.0"}, runtime) ==
        "built with SDK ABI 1.3 (this tunepipe provides 1.2) — rebuild it against this tunepipe's SDK");
  CHECK(fingerprint_mismatch({2, 0, "gcc-13", 0, "2.16.0"}, runtime) ==
        "built with SDK ABI 2.0 (this tunepipe provides 1.2), compiler gcc-13 (this tunepipe: gcc-12), "
        "_GLIBCXX_USE_CXX11_ABI=0 (this tunepipe: 1), libtorch 2.16.0 (this tunepipe: libtorch 2.15.0) — rebuild it "
        "against this tunepipe's SDK");
}

TEST_CASE("libraries are loaded when their plugin is first asked for", "[plugins]") {
  PluginRegistry registry;
  registry.add_search_path(TUNEPIPE_FIXTURE_PLUGIN_DIR);
  registry.discover();
  CHECK(registry.plugins().empty());
  CHECK(registry.names("sink") ==
        std::vector<std::string>{"matching", "noentry", "oldabi", "oldcxxabi", "othercompiler", "othertorch"});
  REQUIRE(registry.find("sink", "matching") != nullptr);
  CHECK(registry.plugins().size() == 1);
  CHECK(registry.find("sink", "oldabi") == nullptr);
  CHECK(registry.refusal_for("sink", "oldabi") != nullptr);
}

TEST_CASE("a folder is loaded once", "[plugins]") {
  PluginRegistry registry = fixture_registry();
  const std::size_t loaded = registry.plugins().size();
  registry.discover();
  CHECK(registry.plugins().size() == loaded);
  CHECK(registry.shadowed().empty());
}

TEST_CASE("earlier search paths win over later ones with the same plugin", "[plugins]") {
  const std::filesystem::path copy_dir = std::filesystem::temp_directory_path() / "tunepipe-shadowed-plugins";
  std::filesystem::create_directories(copy_dir);
  std::filesystem::copy_file(std::filesystem::path(TUNEPIPE_FIXTURE_PLUGIN_DIR) / "libtunepipe-sink-matching.so",
                             copy_dir / "libtunepipe-sink-matching.so",
                             std::filesystem::copy_options::overwrite_existing);
  PluginRegistry registry;
  registry.add_search_path(TUNEPIPE_FIXTURE_PLUGIN_DIR);
  registry.add_search_path(copy_dir);
  registry.discover();
  REQUIRE(registry.find("sink", "matching") != nullptr);
  CHECK(registry.find("sink", "matching")->path.parent_path() == std::filesystem::path(TUNEPIPE_FIXTURE_PLUGIN_DIR));
  REQUIRE(registry.shadowed().size() == 1);
  CHECK(registry.shadowed()[0].path == copy_dir / "libtunepipe-sink-matching.so");
  CHECK_THAT(registry.shadowed()[0].reason, Catch::StartsWith("sink-matching is already provided by "));
}
