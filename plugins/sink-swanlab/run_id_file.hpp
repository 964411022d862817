#pragma once
// Which SwanLab run a tunepipe run is, kept in the log folder. SwanLab's
// offline runs cannot be appended to, so `run --resume` writes a new run
// folder with the same run id, and syncing the folders with that id
// (`SWANLAB_RUN_ID=<id> swanlab sync <folders>`) fills one experiment. The
// file also holds the number ("epoch") of the last terminal-log line written:
// sync adds to an existing experiment only the lines numbered past its last.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace tp::sinks::swanlab {

struct RunId {
  std::string id;
  std::int64_t last_log_epoch = 0;
};

// 8 characters of [a-z0-9], as SwanLab's SDK makes its run ids.
std::string new_run_id();

class RunIdFile {
 public:
  explicit RunIdFile(const std::filesystem::path& logdir);

  // Nothing when there is no file; a file this sink did not write is a tp::Error naming it.
  std::optional<RunId> read() const;
  void write(const RunId& run) const;

 private:
  std::filesystem::path path_;
};

}  // namespace tp::sinks::swanlab
