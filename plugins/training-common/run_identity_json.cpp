#include "run_identity_json.hpp"

#include <fmt/format.h>

#include <map>
#include <vector>

#include "tunepipe/error.hpp"

namespace tp::training {
namespace {

constexpr std::size_t kShownDifferences = 6;

// Long values (paths, lists) cut so that the message stays readable.
std::string shown(const std::string& value) {
  constexpr std::size_t kMax = 80;
  return value.size() <= kMax ? value : value.substr(0, kMax - 3) + "...";
}

std::string text_of(const nlohmann::json& json, const char* key) {
  return json.is_object() && json.contains(key) && json[key].is_string() ? json[key].get<std::string>() : "";
}

}  // namespace

nlohmann::json to_json(const RunIdentity& identity) {
  nlohmann::json settings = nlohmann::json::object();
  for (const auto& [key, value] : identity.settings) settings[key] = value;
  return {{"pipeline", identity.pipeline}, {"settings", settings}, {"data_sha256", identity.data_sha256}};
}

void check_same_run(const nlohmann::json& stored, const RunIdentity& current, const std::string& state_file) {
  if (stored.is_null()) return;
  if (!stored.is_object() || !stored.contains("settings") || !stored["settings"].is_object())
    throw Error(Location{state_file}, "\"run_identity\" is malformed: the checkpoint is corrupt");
  std::vector<std::string> differences;
  const nlohmann::json& settings = stored["settings"];
  for (const auto& [key, value] : current.settings) {
    if (!settings.contains(key)) continue;  // an option added since: not comparable
    const nlohmann::json& old = settings[key];
    const std::string before = old.is_string() ? old.get<std::string>() : old.dump();
    if (before != value) differences.push_back(fmt::format("{} = {} there, {} here", key, shown(before), shown(value)));
  }
  const std::string data = text_of(stored, "data_sha256");
  if (!data.empty() && data != current.data_sha256)
    differences.push_back(fmt::format("the train data differ (tokens sha256 {:.12} there, {:.12} here: other records, "
                                      "template or tokenizer)",
                                      data, current.data_sha256));
  if (differences.empty()) return;
  const std::size_t total = differences.size();
  if (total > kShownDifferences) differences.resize(kShownDifferences);
  std::string listed;
  for (const std::string& difference : differences) listed += "\n  " + difference;
  if (total > kShownDifferences) listed += fmt::format("\n  ... and {} more", total - kShownDifferences);
  throw Error(Location{state_file},
              fmt::format("this checkpoint belongs to another run: it was written by pipeline \"{}\" and this is "
                          "pipeline \"{}\", and they differ:{}\nresume with the pipeline that wrote it, or start "
                          "this one afresh with `run --overwrite` (which deletes the earlier run's checkpoints)",
                          text_of(stored, "pipeline"), current.pipeline, listed));
}

}  // namespace tp::training
