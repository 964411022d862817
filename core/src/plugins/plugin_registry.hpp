#pragma once
// Finds, loads and checks plugin libraries (libtunepipe-<kind>-<name>.so).
// Discovery only lists files; a library is loaded the first time its plugin is
// asked for, so a command pays only for the plugins it uses (a model plugin
// brings libtorch). Loaded libraries stay resident for the whole process:
// objects a plugin makes must never outlive its code.
#include <deque>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "tunepipe/plugin.hpp"

namespace tp::core {

struct PluginInfo {
  std::string kind;
  std::string name;
  std::string version;
  std::string summary;
  std::filesystem::path path;
  const PluginDescriptor* descriptor = nullptr;
};

struct RefusedPlugin {
  std::filesystem::path path;
  std::string reason;
};

class PluginRegistry {
 public:
  // Search order: paths added here (--plugin-path) first, then
  // TUNEPIPE_PLUGIN_PATH, then the build's plugin folder, then the installed one.
  void add_search_path(const std::filesystem::path& path);
  void add_default_search_paths();
  const std::vector<std::filesystem::path>& search_paths() const { return search_paths_; }

  // Lists the plugin files in the search paths; earlier paths win when two
  // files are named for the same kind and name.
  void discover();
  // Loads one library now; returns false (and records why) if it is refused.
  bool load(const std::filesystem::path& library) const;
  // Loads every discovered library (for listing them all).
  void load_all() const;

  // The plugin, loading its library on first use; null if there is none or it was refused.
  const PluginInfo* find(std::string_view kind, std::string_view name) const;
  // Names of the discovered plugins of a kind, without loading them.
  std::vector<std::string> names(std::string_view kind) const;
  // The loaded plugins of a kind.
  std::vector<const PluginInfo*> of_kind(std::string_view kind) const;
  const std::deque<PluginInfo>& plugins() const { return plugins_; }
  const std::vector<RefusedPlugin>& refused() const { return refused_; }
  // Files not used because an earlier search path has the same kind and name.
  const std::vector<RefusedPlugin>& shadowed() const { return shadowed_; }
  // The refusal of a library whose file name says it is <kind>-<name>, if any.
  const RefusedPlugin* refusal_for(std::string_view kind, std::string_view name) const;

 private:
  std::vector<std::filesystem::path> search_paths_;
  std::map<std::string, std::filesystem::path, std::less<>> discovered_;  // "<kind>-<name>" → file
  std::vector<RefusedPlugin> shadowed_;
  // Filled as libraries are loaded on demand.
  mutable std::deque<PluginInfo> plugins_;
  mutable std::vector<RefusedPlugin> refused_;
  mutable std::vector<std::filesystem::path> attempted_;
};

// Why a plugin built with `plugin` cannot run in a runtime built with `runtime`;
// empty when they match.
std::string fingerprint_mismatch(const BuildFingerprint& plugin, const BuildFingerprint& runtime);

// The registry every command uses.
PluginRegistry& plugin_registry();

}  // namespace tp::core
