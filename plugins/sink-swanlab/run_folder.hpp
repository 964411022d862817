#pragma once
// A run folder as SwanLab's SDK lays one out in offline mode, which
// `swanlab sync <folder>` uploads:
//   <logdir>/run-<YYYYmmdd_HHMMSS, local time>-<run id>/
//     run-<run id>.swanlab   the records (record_log.hpp)
//     files/config.yaml      the hyper-parameters (config_yaml.hpp)
//     media/<medium>/        the files of media records (media_files.hpp)
#include <filesystem>
#include <string>

namespace tp::sinks::swanlab {

class RunFolder {
 public:
  // Creates the folder of a run that starts now. Every process writes a folder
  // of its own, never an existing one: a run resumed within the second of the
  // previous one's start takes the next free second's name.
  static RunFolder create(const std::filesystem::path& logdir, const std::string& run_id);

  const std::filesystem::path& root() const { return root_; }
  std::filesystem::path record_file() const { return root_ / ("run-" + run_id_ + ".swanlab"); }
  std::filesystem::path config_file() const { return root_ / "files" / "config.yaml"; }
  std::filesystem::path media_dir() const { return root_ / "media"; }

 private:
  RunFolder(std::filesystem::path root, std::string run_id) : root_(std::move(root)), run_id_(std::move(run_id)) {}

  std::filesystem::path root_;
  std::string run_id_;
};

}  // namespace tp::sinks::swanlab
