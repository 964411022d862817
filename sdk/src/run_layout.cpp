#include "tunepipe/run_layout.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <regex>
#include <string>
#include <utility>

namespace tp::run_layout {
namespace fs = std::filesystem;

fs::path checkpoint_folder(const fs::path& output_dir, std::int64_t step) {
  return output_dir / kCheckpointsFolder / fmt::format("checkpoint-{}", step);
}

std::optional<std::int64_t> checkpoint_step(const fs::path& folder) {
  static const std::regex name(R"(checkpoint-(\d{1,18}))");
  std::smatch match;
  const std::string file = folder.filename().string();
  if (!std::regex_match(file, match, name)) return std::nullopt;
  return std::stoll(match[1].str());
}

std::vector<fs::path> complete_checkpoints(const fs::path& output_dir) {
  std::vector<std::pair<std::int64_t, fs::path>> found;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(output_dir / kCheckpointsFolder, ec))
    if (const auto step = checkpoint_step(entry.path()); step && entry.is_directory())
      found.emplace_back(*step, entry.path());
  std::sort(found.begin(), found.end());
  std::vector<fs::path> folders;
  for (auto& [step, folder] : found) folders.push_back(std::move(folder));
  return folders;
}

}  // namespace tp::run_layout
