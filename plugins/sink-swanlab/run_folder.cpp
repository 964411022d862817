#include "run_folder.hpp"

#include <fmt/format.h>

#include <ctime>

#include "tunepipe/error.hpp"

namespace tp::sinks::swanlab {
namespace {

std::string local_time_stamp(std::time_t time) {
  std::tm local{};
  localtime_r(&time, &local);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%d_%H%M%S", &local);
  return stamp;
}

}  // namespace

RunFolder RunFolder::create(const std::filesystem::path& logdir, const std::string& run_id) {
  std::error_code failed;
  std::filesystem::create_directories(logdir, failed);
  if (failed)
    throw Error(Location{logdir.string()}, fmt::format("cannot create the SwanLab log folder: {}", failed.message()));
  for (std::time_t time = std::time(nullptr);; ++time) {
    std::filesystem::path root = logdir / fmt::format("run-{}-{}", local_time_stamp(time), run_id);
    // create_directory is the claim: it reports whether this call made the folder.
    if (std::filesystem::create_directory(root, failed)) return RunFolder(std::move(root), run_id);
    if (failed)
      throw Error(Location{root.string()}, fmt::format("cannot create the SwanLab run folder: {}", failed.message()));
  }
}

}  // namespace tp::sinks::swanlab
