#include "plugins/plugin_registry.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <boost/dll/shared_library.hpp>
#include <boost/dll/runtime_symbol_info.hpp>
#include <cstdlib>
#include <cstring>
#include <deque>

namespace tp::core {
namespace fs = std::filesystem;

namespace {

constexpr std::string_view kLibraryPrefix = "libtunepipe-";
constexpr std::string_view kLibrarySuffix = ".so";

// Never destroyed, so loaded plugin code stays mapped until the process exits.
std::deque<boost::dll::shared_library>& resident_libraries() {
  static auto* libraries = new std::deque<boost::dll::shared_library>();
  return *libraries;
}

bool is_plugin_file(const fs::path& path) {
  const std::string name = path.filename().string();
  return name.size() > kLibraryPrefix.size() + kLibrarySuffix.size() && name.starts_with(kLibraryPrefix) &&
         name.ends_with(kLibrarySuffix);
}

// "libtunepipe-dataset-jsonl.so" -> "dataset-jsonl"
std::string plugin_id_from_file(const fs::path& path) {
  std::string name = path.filename().string();
  return name.substr(kLibraryPrefix.size(), name.size() - kLibraryPrefix.size() - kLibrarySuffix.size());
}

std::string str_or(const char* s, const char* fallback) { return s ? s : fallback; }

}  // namespace

std::string fingerprint_mismatch(const BuildFingerprint& plugin, const BuildFingerprint& runtime) {
  std::vector<std::string> problems;
  if (plugin.abi_major != runtime.abi_major || plugin.abi_minor > runtime.abi_minor)
    problems.push_back(fmt::format("SDK ABI {}.{} (this tunepipe provides {}.{})", plugin.abi_major,
                                   plugin.abi_minor, runtime.abi_major, runtime.abi_minor));
  if (str_or(plugin.compiler, "") != runtime.compiler)
    problems.push_back(fmt::format("compiler {} (this tunepipe: {})", str_or(plugin.compiler, "?"), runtime.compiler));
  if (plugin.cxx11_abi != runtime.cxx11_abi)
    problems.push_back(fmt::format("_GLIBCXX_USE_CXX11_ABI={} (this tunepipe: {})", plugin.cxx11_abi, runtime.cxx11_abi));
  if (str_or(plugin.torch_version, "") != runtime.torch_version)
    problems.push_back(fmt::format("libtorch {} (this tunepipe: libtorch {})", str_or(plugin.torch_version, "?"),
                                   runtime.torch_version));
  if (problems.empty()) return {};
  std::string text = "built with ";
  for (std::size_t i = 0; i < problems.size(); ++i) text += (i ? ", " : "") + problems[i];
  return text + " — rebuild it against this tunepipe's SDK";
}

void PluginRegistry::add_search_path(const fs::path& path) {
  if (std::find(search_paths_.begin(), search_paths_.end(), path) == search_paths_.end())
    search_paths_.push_back(path);
}

void PluginRegistry::add_default_search_paths() {
  if (const char* env = std::getenv("TUNEPIPE_PLUGIN_PATH")) {
    std::string_view rest = env;
    while (!rest.empty()) {
      const auto colon = rest.find(':');
      const std::string_view item = rest.substr(0, colon);
      if (!item.empty()) add_search_path(fs::path(item));
      rest = colon == std::string_view::npos ? std::string_view{} : rest.substr(colon + 1);
    }
  }
  add_search_path(TUNEPIPE_BUILD_PLUGIN_DIR);
  const fs::path exe_dir = boost::dll::program_location().parent_path();
  add_search_path(exe_dir.parent_path() / TUNEPIPE_INSTALL_PLUGIN_DIR);
}

void PluginRegistry::discover() {
  for (const fs::path& dir : search_paths_) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) continue;
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(dir, ec))
      if (is_plugin_file(entry.path())) files.push_back(fs::weakly_canonical(entry.path()));
    std::sort(files.begin(), files.end());
    for (const fs::path& file : files) {
      const std::string id = plugin_id_from_file(file);
      auto [it, inserted] = discovered_.emplace(id, file);
      if (!inserted && it->second != file)
        shadowed_.push_back({file, fmt::format("{} is already provided by {}", id, it->second.string())});
    }
  }
}

void PluginRegistry::load_all() const {
  for (const auto& [id, file] : discovered_) load(file);
}

bool PluginRegistry::load(const fs::path& library) const {
  const fs::path path = fs::weakly_canonical(library);
  if (std::find(attempted_.begin(), attempted_.end(), path) != attempted_.end())
    return std::any_of(plugins_.begin(), plugins_.end(), [&](const PluginInfo& p) { return p.path == path; });
  attempted_.push_back(path);

  boost::dll::shared_library lib;
  try {
    lib.load(path, boost::dll::load_mode::rtld_lazy | boost::dll::load_mode::rtld_local);
  } catch (const std::exception& e) {
    refused_.push_back({path, fmt::format("cannot be loaded: {}", e.what())});
    return false;
  }
  if (!lib.has(kPluginEntryPoint)) {
    refused_.push_back({path, fmt::format("has no {}() entry point — is it a tunepipe plugin?", kPluginEntryPoint)});
    return false;
  }
  const auto* descriptor = lib.get<const PluginDescriptor*()>(kPluginEntryPoint)();
  if (descriptor == nullptr) {
    refused_.push_back({path, "returned no plugin descriptor"});
    return false;
  }
  // Only the fingerprint is read before it is known to match: the rest of the
  // descriptor holds C++ types whose layout depends on it.
  const std::string mismatch = fingerprint_mismatch(descriptor->fingerprint, this_build_fingerprint());
  if (!mismatch.empty()) {
    refused_.push_back({path, mismatch});
    return false;
  }
  PluginInfo info{descriptor->kind, descriptor->name, descriptor->version, str_or(descriptor->summary, ""),
                  path, descriptor};
  const std::string registered = fmt::format("{}-{}", info.kind, info.name);
  if (registered != plugin_id_from_file(path)) {
    refused_.push_back({path, fmt::format("registers {} {} but is named for {}; name the file libtunepipe-{}.so",
                                          info.kind, info.name, plugin_id_from_file(path), registered)});
    return false;
  }
  for (const PluginInfo& p : plugins_)
    if (p.kind == info.kind && p.name == info.name) return true;  // loaded earlier from another path
  resident_libraries().push_back(std::move(lib));
  plugins_.push_back(std::move(info));
  return true;
}

const PluginInfo* PluginRegistry::find(std::string_view kind, std::string_view name) const {
  auto loaded = [&]() -> const PluginInfo* {
    for (const PluginInfo& p : plugins_)
      if (p.kind == kind && p.name == name) return &p;
    return nullptr;
  };
  if (const PluginInfo* p = loaded()) return p;
  const auto it = discovered_.find(fmt::format("{}-{}", kind, name));
  if (it == discovered_.end() || !load(it->second)) return nullptr;
  return loaded();
}

std::vector<std::string> PluginRegistry::names(std::string_view kind) const {
  std::vector<std::string> result;
  const std::string prefix = fmt::format("{}-", kind);
  for (const auto& [id, file] : discovered_)
    if (id.starts_with(prefix)) result.push_back(id.substr(prefix.size()));
  return result;
}

std::vector<const PluginInfo*> PluginRegistry::of_kind(std::string_view kind) const {
  std::vector<const PluginInfo*> result;
  for (const PluginInfo& p : plugins_)
    if (p.kind == kind) result.push_back(&p);
  std::sort(result.begin(), result.end(), [](auto* a, auto* b) { return a->name < b->name; });
  return result;
}

const RefusedPlugin* PluginRegistry::refusal_for(std::string_view kind, std::string_view name) const {
  const std::string id = fmt::format("{}-{}", kind, name);
  for (const RefusedPlugin& r : refused_)
    if (plugin_id_from_file(r.path) == id) return &r;
  return nullptr;
}

PluginRegistry& plugin_registry() {
  static PluginRegistry registry;
  return registry;
}

}  // namespace tp::core
